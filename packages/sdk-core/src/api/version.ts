// Versions the SDK speaks about: the codex release whose protocol the types were generated from,
// this package's own version (sent as `clientInfo.version`), and parsing the server's version
// out of the `initialize` reply.
//
// Neither version is written here by hand. The protocol version is generated into
// `@codex/protocol-types` from the pinned runtime's schema; the SDK version is this package's
// manifest version: the build bundles it from package.json, and staging builds it again from the
// staged manifest, so a package published as X reports X.
import { GENERATED_FOR_CODEX_VERSION as PROTOCOL_TYPES_CODEX_VERSION } from "@codex/protocol-types";
import manifest from "../../package.json" with { type: "json" };

/**
 * The codex release whose app-server schema `@codex/protocol-types` was generated from.
 * `Codex.start()` refuses servers older than this with `IncompatibleServerError`: they lack
 * methods and fields the types promise.
 */
export const GENERATED_FOR_CODEX_VERSION: string = PROTOCOL_TYPES_CODEX_VERSION;

/** The version of `@codex/sdk-core` (its package.json), sent as the default `clientInfo.version`. */
export const SDK_VERSION: string = manifest.version;

const VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const VERSION_IN_USER_AGENT = /\/(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)(?=\s|$)/;

/**
 * Extracts the server's version from `InitializeResponse.userAgent`.
 *
 * The user agent starts with the *client's* name (`clientInfo.name`), then `/`, then the codex
 * version, then a space: `my_app/0.169.0 (Debian 12.0.0; x86_64) ...`. The name may itself hold
 * `/` and spaces (`my/app/0.169.0 (...)`): pass it as `clientName` to cut it off exactly;
 * without it, the version is the first `/<major>.<minor>.<patch>` followed by a space or the end.
 * Returns `null` when there is no version.
 */
export function parseServerVersion(userAgent: string, clientName?: string): string | null {
  if (clientName !== undefined && userAgent.startsWith(`${clientName}/`)) {
    const rest = userAgent.slice(clientName.length + 1);
    const space = rest.indexOf(" ");
    const version = space < 0 ? rest : rest.slice(0, space);
    if (VERSION.test(version)) return version;
  }
  // Splitting at the first "/" would read `app/0.169.0` out of `my/app/0.169.0 (...)` and find no
  // version, which silently turns the compatibility check off.
  return VERSION_IN_USER_AGENT.exec(userAgent)?.[1] ?? null;
}

/**
 * Extracts the name before the version in `InitializeResponse.userAgent` (`my_app` of
 * `my_app/0.169.0 (...)`). Pass `clientName` to match a name that itself holds `/` or spaces.
 * Returns `null` when the user agent has no `name/version` at its start.
 */
export function parseServerName(userAgent: string, clientName?: string): string | null {
  const version = parseServerVersion(userAgent, clientName);
  if (version === null) return null;
  if (clientName !== undefined && userAgent.startsWith(`${clientName}/${version}`))
    return clientName === "" ? null : clientName;
  const end = userAgent.indexOf(`/${version}`);
  const name = end <= 0 ? "" : userAgent.slice(0, end).trim();
  return name === "" ? null : name;
}

interface ParsedVersion {
  core: [number, number, number];
  prerelease: string[];
}

function parseVersion(version: string): ParsedVersion | null {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$/.exec(version);
  if (!match) return null;
  return {
    core: [Number(match[1]), Number(match[2]), Number(match[3])],
    prerelease: match[4] ? match[4].split(".") : [],
  };
}

/**
 * Compares two semver versions (`major.minor.patch[-prerelease]`): negative when `a < b`, 0 when
 * equal, positive when `a > b`. A prerelease sorts before its release, as in semver. Versions
 * that do not parse compare as equal, so an odd version string never blocks a start-up by itself.
 */
export function compareVersions(a: string, b: string): number {
  const left = parseVersion(a);
  const right = parseVersion(b);
  if (!left || !right) return 0;
  for (let i = 0; i < 3; i++) {
    const diff = left.core[i]! - right.core[i]!;
    if (diff !== 0) return diff;
  }
  if (left.prerelease.length === 0 || right.prerelease.length === 0) {
    return right.prerelease.length - left.prerelease.length;
  }
  const length = Math.max(left.prerelease.length, right.prerelease.length);
  for (let i = 0; i < length; i++) {
    const x = left.prerelease[i];
    const y = right.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const xNumeric = /^\d+$/.test(x);
    const yNumeric = /^\d+$/.test(y);
    if (xNumeric && yNumeric) {
      const diff = Number(x) - Number(y);
      if (diff !== 0) return diff;
    } else if (xNumeric !== yNumeric) {
      return xNumeric ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}
