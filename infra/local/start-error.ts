/** The local stack cannot start, for a reason `npm start` prints as one line (a busy port, a missing handler). */
export class StackStartError extends Error {
  override name = 'StackStartError';
}
