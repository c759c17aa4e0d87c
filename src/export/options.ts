/** `qqp export`'s defaults, apart from export.ts (tfjs), so the command's flags load without it. */

/** The threshold an export's predict.js applies unless given one. */
export const DEFAULT_EXPORT_THRESHOLD = 0.5;
