// The one error the staging command throws on purpose: a refusal with a message for the
// maintainer. The command prints its message without a stack trace and exits 1.

/** A refusal of the staging command: bad arguments, versions that disagree, unsafe directories. */
export class StageError extends Error {
  override readonly name = "StageError";
}
