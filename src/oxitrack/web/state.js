// The dashboard page's state, one object shared by the modules that draw and refresh it: what is
// shown, what was last asked for, and how the daemon has been answering. No DOM here.

import { addressBy, addressHidden, addressRange } from "./address.js";

export const state = {
  range: null, // the range whose data is shown (and pressed), as ?days= or ?month= gives it
  wantedRange: addressRange(), // the range last asked for; becomes `range` once its data arrives
  wantedBy: addressBy(), // what the breakdown card last asked its range by ("language"…)
  requestSeq: 0, // only the answer to the latest request is drawn
  breakdownSeq: 0, // and the card only the latest breakdown asked for, by a refresh or a pick
  askedAt: null, // Date.now() when the latest request went out
  refreshing: 0, // refreshes waiting for their answers: the minute's waits until none is
  pending: {}, // kind -> the AbortController of the latest requests of that kind (refresh.js)
  chart: null,
  lastRange: null,
  lastToday: null,
  colors: new Map(), // project_path -> colour, shared by the chart and today's bars
  names: new Map(), // project_path -> its name in every card (names.js's distinctNames)
  hidden: addressHidden(), // legend keys the user switched off; kept across refreshes
  timezone: undefined, // the report's zone, once known
  loadedAt: null, // Date of the data on screen
  failingSince: null, // Date of the first unanswered request, while the daemon is away
  failures: 0,
  busyAnswers: 0, // 503s with a time to ask again, in a row: past one, the figures are dimmed
  pageVersion: null, // { version, build } of the daemon, from its first /health once loaded
  retryTimer: null,
  retryAt: null, // Date.now() when the pending retry is due: the wall clock's check of its timer
  retryDelayMs: 0, // and the delay it was set for
  apiKey: sessionStorage.getItem("oxitrack.apiKey"),
};
