// Dates and addresses in words, one formatter each: the client library's consent summaries, the CLI and the portal.
export const shortAddress = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

// One formatter each, made once: toLocaleDateString with options builds a new Intl.DateTimeFormat on every call
// (about 60 µs in Chromium), and a dashboard of hundreds of consents, records and timeline entries makes thousands of
// calls per render.
const DATE = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
const TIME = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });

/** "24 Dec 2026" */
export const formatDate = (seconds: number) => DATE.format(new Date(seconds * 1000));

/** "24 Dec 2026, 14:05 UTC" */
export const formatDateTime = (seconds: number) =>
  `${formatDate(seconds)}, ${TIME.format(new Date(seconds * 1000))} UTC`;
