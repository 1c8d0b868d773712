// Small statistics the bench sections share.

/** The middle value; of an even count, the upper of the two middle ones. */
export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
