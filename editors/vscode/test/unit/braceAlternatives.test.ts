import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { braceAlternatives, MAX_ALTERNATIVES } from "../../src/core/braceAlternatives";

describe("braceAlternatives", () => {
  const cases: Array<[string, string, string[]]> = [
    ["no group: the pattern itself", "~/private/**", ["~/private/**"]],
    ["one group, in order", "~/{private,clients}/**", ["~/private/**", "~/clients/**"]],
    ["a group at the start", "{~/a/**,~/b/**}", ["~/a/**", "~/b/**"]],
    ["nested groups", "{a,{b,c}}", ["a", "b", "c"]],
    ["two groups: every pair", "{a,b}{c,d}", ["ac", "ad", "bc", "bd"]],
    ["an empty alternative", "{,x}y", ["y", "xy"]],
    ["a { without its } is left to picomatch", "~/odd{name", ["~/odd{name"]],
    ["a group without a comma is left to picomatch", "{a}/{1..3}", ["{a}/{1..3}"]],
    ["a group without a comma, with one inside", "x{a{b,c}}", ["x{ab}", "x{ac}"]],
    ["a comma in a [...] class is literal", "x{a,[b,c]}", ["xa", "x[b,c]"]],
    ["a { in a [...] class is literal", "[{]x,{a,b}", ["[{]x,a", "[{]x,b"]],
    ["a ] right after [ is a member", "[]{]{a,b}", ["[]{]a", "[]{]b"]],
    ["a stray } is a literal character", "a}{b,c}", ["a}b", "a}c"]],
  ];
  for (const [name, pattern, expected] of cases) {
    test(`${name}: ${pattern}`, () => assert.deepEqual(braceAlternatives(pattern), expected));
  }

  test(`more than ${MAX_ALTERNATIVES} alternatives: the pattern is left whole`, () => {
    const sevenGroups = "{a,b}".repeat(7); // 128
    assert.deepEqual(braceAlternatives(sevenGroups), [sevenGroups]);
    assert.equal(braceAlternatives("{a,b}".repeat(6)).length, 64);
  });
});
