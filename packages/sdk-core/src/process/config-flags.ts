// A `config` object → `--config key=<TOML literal>` flags for `codex app-server`.
//
// codex splits the key of `--config a.b.c=value` on "." and parses the value as TOML (falling
// back to a plain string when it does not parse). Nested objects therefore become dotted keys,
// which merge into the tables of config.toml instead of replacing them. A key that cannot be a
// path segment (it contains ".", "=", or surrounding spaces, or is empty) keeps its table as an
// inline TOML table one level up, where TOML quoting can express it.

/** A value that can be written as TOML. `undefined` and `null` entries are left out. */
export type TomlValue = string | number | bigint | boolean | Date | readonly TomlValue[] | TomlTable | null | undefined;

/** A table of TOML values: the shape of `config`. */
export interface TomlTable {
  readonly [key: string]: TomlValue;
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * Turns a config object into `--config` flags, e.g.
 * `{ model: "o3", model_providers: { fake: { base_url: "http://x" } } }` →
 * `["--config", 'model="o3"', "--config", 'model_providers.fake.base_url="http://x"']`.
 * Throws `TypeError` for values TOML cannot hold (functions, symbols, lone surrogates, ...).
 */
export function configToFlags(config: TomlTable): string[] {
  const flags: string[] = [];
  for (const [path, value] of flattenConfig(config)) flags.push("--config", `${path}=${value}`);
  return flags;
}

/** The `[dottedKey, tomlLiteral]` pairs of a config object, in key order. */
export function flattenConfig(config: TomlTable): [string, string][] {
  if (!isTable(config)) throw new TypeError(`config must be a plain object, got ${describeType(config)}.`);
  const out: [string, string][] = [];
  walk(config, "", out);
  return out;
}

function walk(table: TomlTable, prefix: string, out: [string, string][]): void {
  for (const [key, value] of Object.entries(table)) {
    if (value === undefined || value === null) continue;
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (!isPathSegment(key)) {
      if (prefix === "") {
        throw new TypeError(
          `config key ${JSON.stringify(key)} cannot be passed as --config: top-level keys must not contain ".", "=" or surrounding spaces.`,
        );
      }
      // Unreachable: tables with such keys are written inline by their parent (see below).
      throw new TypeError(`config key ${JSON.stringify(path)} cannot be passed as --config.`);
    }
    if (isTable(value) && Object.keys(value).length > 0 && Object.keys(value).every(isPathSegment)) {
      walk(value, path, out);
    } else {
      out.push([path, tomlLiteral(value, path)]);
    }
  }
}

/** A key codex can take as one segment of a dotted `--config` path. */
function isPathSegment(key: string): boolean {
  return key.length > 0 && !key.includes(".") && !key.includes("=") && key.trim() === key;
}

/** The TOML literal of `value`: a string, number, boolean, datetime, array or inline table. */
export function tomlLiteral(value: TomlValue, path = "value"): string {
  switch (typeof value) {
    case "string":
      return tomlString(value, path);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "number":
      return tomlNumber(value);
    case "object": {
      if (value === null) throw new TypeError(`config ${path} is null; TOML has no null (leave the key out).`);
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw new TypeError(`config ${path} is an invalid Date.`);
        return value.toISOString();
      }
      if (Array.isArray(value)) {
        const items = (value as readonly TomlValue[]).map((item, index) => {
          if (item === undefined || item === null)
            throw new TypeError(`config ${path}[${index}] is ${String(item)}; TOML arrays cannot hold it.`);
          return tomlLiteral(item, `${path}[${index}]`);
        });
        return `[${items.join(", ")}]`;
      }
      if (isTable(value)) {
        const entries: string[] = [];
        for (const [key, item] of Object.entries(value)) {
          if (item === undefined || item === null) continue;
          entries.push(`${tomlKey(key)} = ${tomlLiteral(item, `${path}.${key}`)}`);
        }
        return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
      }
      throw new TypeError(`config ${path} is ${describeType(value)}, which TOML cannot hold.`);
    }
    default:
      throw new TypeError(`config ${path} is ${describeType(value)}, which TOML cannot hold.`);
  }
}

function tomlNumber(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (Number.isInteger(value)) {
    // Beyond 2^53 a JS number is a float that happens to be whole; TOML integers stop at 2^63.
    if (Number.isSafeInteger(value)) return Object.is(value, -0) ? "0" : String(value);
    return value.toExponential().replace("e+", "e");
  }
  const text = String(value);
  // TOML floats need a digit on both sides of "." and no "e+" quirks: String() gives "1e-7".
  return text.includes("e") || text.includes(".") ? text.replace("e+", "e") : `${text}.0`;
}

function tomlKey(key: string): string {
  return BARE_KEY.test(key) ? key : tomlString(key, key);
}

/** A TOML basic string: quotes, backslashes and control characters escaped; other Unicode kept. */
function tomlString(value: string, path: string): string {
  let out = '"';
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = value.charCodeAt(index + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += value[index]! + value[index + 1]!;
        index++;
        continue;
      }
      throw new TypeError(
        `config ${path} contains a lone UTF-16 surrogate at index ${index}; it cannot be encoded as UTF-8.`,
      );
    }
    switch (code) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += "\\\\";
        break;
      case 0x08:
        out += "\\b";
        break;
      case 0x09:
        out += "\\t";
        break;
      case 0x0a:
        out += "\\n";
        break;
      case 0x0c:
        out += "\\f";
        break;
      case 0x0d:
        out += "\\r";
        break;
      default:
        if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0").toUpperCase()}`;
        else out += value[index]!;
    }
  }
  return `${out}"`;
}

function isTable(value: unknown): value is TomlTable {
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Date) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an object of class ${(value as object).constructor?.name ?? "(none)"}`;
  return `a ${typeof value}`;
}
