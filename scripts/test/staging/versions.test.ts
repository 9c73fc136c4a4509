import { describe, expect, it } from "vitest";
import { StageError } from "../../staging/stage-error.js";
import { checkAgainstReleaseTag, isSemver, parseVersionArgument, versionFromTag } from "../../staging/versions.js";

describe("release versions", () => {
  it("accepts semver and refuses anything else", () => {
    for (const version of ["0.169.0", "1.2.3", "1.2.3-alpha.4", "10.20.30-rc.1+build.5"])
      expect(isSemver(version)).toBe(true);
    for (const version of ["1.2", "01.2.3", "1.2.3-", "v1.2.3", "1.2.3.4", "latest", ""])
      expect(isSemver(version)).toBe(false);
  });

  it("maps a rust-v tag to its version", () => {
    expect(versionFromTag("rust-v0.169.0")).toBe("0.169.0");
    expect(versionFromTag("rust-v1.2.3-alpha.4")).toBe("1.2.3-alpha.4");
    expect(() => versionFromTag("v1.2.3")).toThrow(StageError);
    expect(() => versionFromTag("rust-v1.2")).toThrow(/not a release tag/);
  });

  it("reads version flags given as versions or as tags", () => {
    expect(parseVersionArgument("--sdk-version", "1.2.3")).toBe("1.2.3");
    expect(parseVersionArgument("--runtime-version", "rust-v1.2.3-alpha.1")).toBe("1.2.3-alpha.1");
    expect(() => parseVersionArgument("--sdk-version", "v1.2.3")).toThrow(/without "v" \(1\.2\.3\)/);
    expect(() => parseVersionArgument("--sdk-version", "1.2")).toThrow(/not a semver version/);
    expect(() => parseVersionArgument("--sdk-version", undefined)).toThrow(/--sdk-version is required/);
  });

  it("refuses a version that does not match the release tag, naming both", () => {
    const versions = [
      { flag: "--sdk-version", version: "1.2.3" },
      { flag: "--runtime-version", version: "1.2.4" },
    ];
    let message = "";
    try {
      checkAgainstReleaseTag(versions, "rust-v1.2.3", false);
    } catch (error) {
      expect(error).toBeInstanceOf(StageError);
      message = (error as Error).message;
    }
    expect(message).toContain("--runtime-version 1.2.4 does not match the release tag rust-v1.2.3 (version 1.2.3)");
    expect(message).not.toContain("--sdk-version 1.2.3 does not match");
    expect(message).toContain("--allow-version-mismatch");
  });

  it("lets an explicit override through with a warning, and checks nothing without a tag", () => {
    const versions = [{ flag: "--sdk-version", version: "1.2.4" }];
    expect(checkAgainstReleaseTag(versions, "rust-v1.2.3", true)).toEqual([
      "warning: --sdk-version 1.2.4 does not match the release tag rust-v1.2.3 (version 1.2.3) (allowed by --allow-version-mismatch)",
    ]);
    expect(checkAgainstReleaseTag(versions, undefined, false)).toEqual([]);
    expect(
      checkAgainstReleaseTag([{ flag: "--sdk-version", version: "1.2.3-alpha.1" }], "rust-v1.2.3-alpha.1", false),
    ).toEqual([]);
  });
});
