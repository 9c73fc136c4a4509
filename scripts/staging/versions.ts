// Version rules of a release: every version is semver, a `rust-vX.Y.Z[-alpha.N]` release tag
// stands for `X.Y.Z[-alpha.N]`, and the published versions must be the tag's version.
import { StageError } from "./stage-error.js";

// semver.org's reference pattern (2.0.0), with named parts dropped.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

const TAG_PREFIX = "rust-v";

/** True when `value` is a semver version (`1.2.3`, `1.2.3-alpha.4`). */
export function isSemver(value: string): boolean {
  return SEMVER.test(value);
}

/** The version a release tag stands for: `rust-v1.2.3-alpha.4` → `1.2.3-alpha.4`. */
export function versionFromTag(tag: string): string {
  const version = tag.startsWith(TAG_PREFIX) ? tag.slice(TAG_PREFIX.length) : undefined;
  if (version === undefined || !isSemver(version)) {
    throw new StageError(
      `"${tag}" is not a release tag: expected ${TAG_PREFIX}X.Y.Z or ${TAG_PREFIX}X.Y.Z-alpha.N (e.g. ${TAG_PREFIX}0.169.0).`,
    );
  }
  return version;
}

/**
 * Reads the value of a version flag: a semver version, or a `rust-v...` release tag, which
 * stands for its version.
 */
export function parseVersionArgument(flag: string, value: string | undefined): string {
  if (value === undefined || value === "")
    throw new StageError(`${flag} is required (a version such as 1.2.3, or a release tag such as ${TAG_PREFIX}1.2.3).`);
  if (value.startsWith(TAG_PREFIX)) return versionFromTag(value);
  if (value.startsWith("v") && isSemver(value.slice(1))) {
    throw new StageError(
      `${flag} ${value}: write the version without "v" (${value.slice(1)}), or give the release tag (${TAG_PREFIX}${value.slice(1)}).`,
    );
  }
  if (!isSemver(value)) throw new StageError(`${flag} ${value} is not a semver version (X.Y.Z or X.Y.Z-alpha.N).`);
  return value;
}

/** A version the command is about to write, with the flag it came from. */
export interface RequestedVersion {
  flag: string;
  version: string;
}

/**
 * Checks the versions against the release tag. Without a tag there is nothing to check. With
 * one, every version must be the tag's, unless `allowMismatch`: then the disagreements are
 * returned as warnings to print.
 */
export function checkAgainstReleaseTag(
  versions: readonly RequestedVersion[],
  tag: string | undefined,
  allowMismatch: boolean,
): string[] {
  if (tag === undefined || tag === "") return [];
  const tagVersion = versionFromTag(tag);
  const mismatches = versions
    .filter(({ version }) => version !== tagVersion)
    .map(({ flag, version }) => `${flag} ${version} does not match the release tag ${tag} (version ${tagVersion})`);
  if (mismatches.length === 0) return [];
  if (!allowMismatch) {
    throw new StageError(
      `${mismatches.join("; ")}. Published versions must be the release tag's version; pass --allow-version-mismatch to stage anyway.`,
    );
  }
  return mismatches.map((text) => `warning: ${text} (allowed by --allow-version-mismatch)`);
}
