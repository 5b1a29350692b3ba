import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { checkSettings, DEFAULT_SERVER_URL, type RawSettings } from "../../src/core/settingValues";

const unset: RawSettings = {
  serverUrl: undefined,
  enabled: undefined,
  excludePatterns: undefined,
  userExcludePatterns: undefined,
  sendMachineName: undefined,
};

describe("checkSettings", () => {
  test("nothing set: the defaults, no problem", () => {
    assert.deepEqual(checkSettings(unset), {
      values: {
        serverUrl: DEFAULT_SERVER_URL,
        isEnabled: true,
        excludePatterns: [],
        userExcludePatterns: [],
        sendsMachineName: true,
      },
      problems: [],
    });
  });

  test("values of the right type are used as written (the URL trimmed)", () => {
    const { values, problems } = checkSettings({
      serverUrl: " http://127.0.0.1:3001 ",
      enabled: false,
      excludePatterns: ["~/private/**", "/work/this-workspace/**"],
      userExcludePatterns: ["~/private/**"],
      sendMachineName: false,
    });
    assert.deepEqual(values, {
      serverUrl: "http://127.0.0.1:3001",
      isEnabled: false,
      excludePatterns: ["~/private/**", "/work/this-workspace/**"],
      userExcludePatterns: ["~/private/**"],
      sendsMachineName: false,
    });
    assert.deepEqual(problems, []);
  });

  test("an empty server URL is the default", () => {
    assert.equal(checkSettings({ ...unset, serverUrl: "  " }).values.serverUrl, DEFAULT_SERVER_URL);
  });

  const wrongTypes: Array<[string, Partial<RawSettings>, string, RegExp]> = [
    ["serverUrl as a number", { serverUrl: 3000 }, "oxitrack.serverUrl", /must be an address in quotes.*not 3000 \(a number\); using the default, http:\/\/127\.0\.0\.1:3000/],
    ["serverUrl null", { serverUrl: null }, "oxitrack.serverUrl", /not null; using the default/],
    ["serverUrl as an object", { serverUrl: { host: "x" } }, "oxitrack.serverUrl", /not \{"host":"x"\} \(an object\)/],
    ["enabled as the text \"false\"", { enabled: "false" }, "oxitrack.enabled", /must be true or false \(without quotes\), not "false" \(text\); using the default, true/],
    ["enabled as 0", { enabled: 0 }, "oxitrack.enabled", /not 0 \(a number\)/],
    ["sendMachineName as the text \"false\"", { sendMachineName: "false" }, "oxitrack.sendMachineName", /must be true or false \(without quotes\), not "false" \(text\); using the default, true/],
    ["excludePatterns as a number", { excludePatterns: 3 }, "oxitrack.excludePatterns", /must be a list of patterns.*not 3 \(a number\); using none/],
  ];
  for (const [name, raw, key, message] of wrongTypes) {
    test(`${name}: the default, and a problem naming the setting`, () => {
      const { values, problems } = checkSettings({ ...unset, ...raw });
      assert.deepEqual(values, checkSettings(unset).values);
      assert.equal(problems.length, 1);
      assert.equal(problems[0]?.key, key);
      assert.match(problems[0]?.message ?? "", message);
    });
  }

  test("one pattern written without its list is used as a list of one, and named", () => {
    // Read as none, the folder the user meant to keep out of the records was tracked.
    const { values, problems } = checkSettings({ ...unset, excludePatterns: "~/private/**", userExcludePatterns: "~/private/**" });
    assert.deepEqual(values.excludePatterns, ["~/private/**"]);
    assert.deepEqual(values.userExcludePatterns, ["~/private/**"]);
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.message ?? "", /must be a list of patterns.*not "~\/private\/\*\*" \(text\); using it as a list of one until/);
  });

  test("patterns that are not strings are left out, and the rest are used", () => {
    const { values, problems } = checkSettings({ ...unset, excludePatterns: ["**/scratch", 3, null] });
    assert.deepEqual(values.excludePatterns, ["**/scratch"]);
    assert.equal(problems.length, 1);
    assert.match(problems[0]?.message ?? "", /not 3 \(a number\); using the other patterns/);
  });

  test("a regular expression (WakaTime's exclude, ^ in front) is named: as a glob it matches no folder", () => {
    const { values, problems } = checkSettings({ ...unset, excludePatterns: ["~/private/**", "^/home/me/clients/"] });
    assert.deepEqual(values.excludePatterns, ["~/private/**", "^/home/me/clients/"]);
    assert.deepEqual(problems.map((problem) => problem.key), ["oxitrack.excludePatterns"]);
    assert.match(
      problems[0]?.message ?? "",
      /"\^\/home\/me\/clients\/" is a regular expression \(as WakaTime's exclude takes them\), not a glob: it excludes no folder; write a glob, like "\/home\/me\/clients\/\*\*"/,
    );
  });

  test("a pattern with ^ elsewhere is a glob like any other", () => {
    assert.deepEqual(checkSettings({ ...unset, excludePatterns: ["~/a^b", "**/x"] }).problems, []);
  });

  test("a long value is cut short in the message", () => {
    const { problems } = checkSettings({ ...unset, serverUrl: ["x".repeat(100)] });
    assert.match(problems[0]?.message ?? "", /not \["x{37}… \(a list\)/);
  });

  test("several wrong settings: one problem each", () => {
    const { problems } = checkSettings({ serverUrl: 1, enabled: "yes", excludePatterns: {}, userExcludePatterns: {}, sendMachineName: undefined });
    assert.deepEqual(problems.map((problem) => problem.key), ["oxitrack.serverUrl", "oxitrack.enabled", "oxitrack.excludePatterns"]);
  });
});
