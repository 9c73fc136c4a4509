import { describe, expect, it } from "vitest";
import { configToFlags, flattenConfig, tomlLiteral } from "../../src/process/config-flags.js";

describe("tomlLiteral", () => {
  it("writes strings as TOML basic strings, escaping quotes, backslashes and control characters", () => {
    expect(tomlLiteral("plain")).toBe('"plain"');
    expect(tomlLiteral('say "hi"')).toBe('"say \\"hi\\""');
    expect(tomlLiteral("C:\\path\\to")).toBe('"C:\\\\path\\\\to"');
    expect(tomlLiteral("a\nb\tc\rd\be\ff")).toBe('"a\\nb\\tc\\rd\\be\\ff"');
    expect(tomlLiteral("nul\u0000 esc\u001b del\u007f")).toBe('"nul\\u0000 esc\\u001B del\\u007F"');
    expect(tomlLiteral("")).toBe('""');
  });

  it("keeps non-ASCII characters as they are, including astral ones and U+2028", () => {
    expect(tomlLiteral("héllo 世界 🎉 \u2028")).toBe('"héllo 世界 🎉 \u2028"');
  });

  it("rejects lone surrogates, which UTF-8 cannot carry", () => {
    expect(() => tomlLiteral("bad \uD800 end")).toThrow(/surrogate/);
    expect(() => tomlLiteral("bad \uDC00")).toThrow(/surrogate/);
  });

  it("writes integers as integers and other numbers as TOML floats", () => {
    expect(tomlLiteral(42)).toBe("42");
    expect(tomlLiteral(-7)).toBe("-7");
    expect(tomlLiteral(-0)).toBe("0");
    expect(tomlLiteral(1.5)).toBe("1.5");
    expect(tomlLiteral(1e-7)).toBe("1e-7");
    expect(tomlLiteral(1.5e300)).toBe("1.5e300");
    expect(tomlLiteral(2 ** 60)).toBe("1.152921504606847e18");
    expect(tomlLiteral(12345678901234567890n)).toBe("12345678901234567890");
    expect(tomlLiteral(Number.NaN)).toBe("nan");
    expect(tomlLiteral(Infinity)).toBe("inf");
    expect(tomlLiteral(-Infinity)).toBe("-inf");
  });

  it("writes booleans, dates, arrays and inline tables", () => {
    expect(tomlLiteral(true)).toBe("true");
    expect(tomlLiteral(false)).toBe("false");
    expect(tomlLiteral(new Date("2024-01-02T03:04:05.000Z"))).toBe("2024-01-02T03:04:05.000Z");
    expect(tomlLiteral([1, "two", [true]])).toBe('[1, "two", [true]]');
    expect(tomlLiteral([])).toBe("[]");
    expect(tomlLiteral({ a: 1, "b c": "x", "d.e": { f: [] } })).toBe('{ a = 1, "b c" = "x", "d.e" = { f = [] } }');
    expect(tomlLiteral({})).toBe("{}");
  });

  it("rejects what TOML cannot hold", () => {
    expect(() => tomlLiteral((() => 1) as never)).toThrow(TypeError);
    expect(() => tomlLiteral(Symbol("s") as never)).toThrow(TypeError);
    expect(() => tomlLiteral(new Map() as never)).toThrow(/class Map/);
    expect(() => tomlLiteral([1, null] as never)).toThrow(/arrays cannot hold/);
    expect(() => tomlLiteral(new Date(Number.NaN))).toThrow(/invalid Date/);
  });
});

describe("configToFlags", () => {
  it("flattens nested tables into dotted keys, one --config per leaf", () => {
    expect(
      configToFlags({
        model: "fake-model",
        model_providers: { fake: { base_url: "http://127.0.0.1:1/v1", request_max_retries: 0 } },
        features: { plugins: false },
      }),
    ).toEqual([
      "--config",
      'model="fake-model"',
      "--config",
      'model_providers.fake.base_url="http://127.0.0.1:1/v1"',
      "--config",
      "model_providers.fake.request_max_retries=0",
      "--config",
      "features.plugins=false",
    ]);
  });

  it("keeps a table inline when one of its keys cannot be a dotted-path segment", () => {
    expect(flattenConfig({ projects: { "/home/me/repo.git": { trust_level: "trusted" } } })).toEqual([
      ["projects", '{ "/home/me/repo.git" = { trust_level = "trusted" } }'],
    ]);
    expect(flattenConfig({ env: { "A=B": "1", ok: "2" } })).toEqual([["env", '{ "A=B" = "1", ok = "2" }']]);
  });

  it("skips null and undefined, and writes empty tables as {}", () => {
    expect(flattenConfig({ a: null, b: undefined, c: {}, d: { e: null } })).toEqual([["c", "{}"]]);
  });

  it("rejects top-level keys that cannot be a path, and non-objects", () => {
    expect(() => configToFlags({ "a.b": 1 })).toThrow(/top-level keys/);
    expect(() => configToFlags({ " a": 1 })).toThrow(TypeError);
    expect(() => configToFlags([] as never)).toThrow(/plain object/);
  });
});
