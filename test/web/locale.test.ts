import { describe, expect, it } from "vitest";
import { chooseLocale, matchLocale, PAGE_LOCALES, parseAcceptLanguage } from "../../src/web/accept/locale.js";
import { MESSAGES } from "../../src/web/accept/messages/index.js";
import { html, raw } from "../../src/web/html.js";

describe("accept page locale", () => {
  it.each([
    ["de-AT", "de"],
    ["FR-ca", "fr"],
    ["es_MX", "es"],
    ["ja-JP", "ja"],
    ["zh", "zh-CN"],
    ["zh-Hans-SG", "zh-CN"],
    ["zh-TW", null],
    ["zh-Hant", null],
    ["pt-BR", null],
    ["", null],
  ])("matches %s to %s", (tag, expected) => {
    expect(matchLocale(tag)).toBe(expected);
  });

  it("orders Accept-Language by weight, keeping the header's order on ties, dropping q=0 and *", () => {
    expect(parseAcceptLanguage("fr;q=0.5, de-CH, en;q=0, *;q=0.9, ja;q=0.5")).toEqual(["de-CH", "fr", "ja"]);
    expect(parseAcceptLanguage(undefined)).toEqual([]);
    expect(parseAcceptLanguage(";;;,,q=")).toEqual([]);
  });

  it("prefers the invitation's locale, then the browser's, then the tenant's, then English", () => {
    expect(chooseLocale({ invitationLocale: "ja", acceptLanguage: "de", tenantLocale: "fr" })).toBe("ja");
    expect(chooseLocale({ invitationLocale: "pt", acceptLanguage: "pt-BR, de;q=0.8", tenantLocale: "fr" })).toBe("de");
    expect(chooseLocale({ invitationLocale: null, acceptLanguage: "pt-BR", tenantLocale: "es" })).toBe("es");
    expect(chooseLocale({ acceptLanguage: "zh-TW" })).toBe("en");
  });

  it("has every string in every locale, each its own translation", () => {
    const english = MESSAGES.en;
    for (const locale of PAGE_LOCALES.filter((l) => l !== "en")) {
      const m = MESSAGES[locale];
      expect(m.pending.accept, locale).not.toBe(english.pending.accept);
      expect(m.unknown.body, locale).not.toBe(english.unknown.body);
      expect(m.pending.lead("Acme", "Ada"), locale).toContain("Acme");
      expect(m.pending.lead("Acme", "Ada"), locale).toContain("Ada");
      expect(m.alreadyMember.body("a@b.c", "Acme"), locale).toContain("a@b.c");
      expect(m.expired.body("Acme", "DATE"), locale).toContain("DATE");
    }
  });
});

describe("html template", () => {
  it("escapes every value unless it is already html", () => {
    const name = `<script>alert("x")</script>&'`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#38;&#39;">&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#38;&#39;</p>',
    );
    expect(html`<ul>${["a<", "b"].map((x) => html`<li>${x}</li>`)}</ul>`.value).toBe("<ul><li>a&#60;</li><li>b</li></ul>");
    expect(html`${raw("<b>")}${null}${false}${undefined}${0}`.value).toBe("<b>0");
  });
});
