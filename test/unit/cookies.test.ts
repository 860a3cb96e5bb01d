// The gateway's cookie layer: `__Host-` names whenever the cookies are Secure (any origin but http://localhost), the
// plain names on http://localhost, and only the configured name is read.
import { expect } from "chai";
import { readGatewayConfig } from "@/server/gateway/config";
import { clearCookie, cookieNames, readCookie, setCookie } from "@/server/gateway/http/cookies";

const withCookies = (cookie: string) =>
  new Request("https://portal.example.org/api/auth/session", { headers: { cookie } });

describe("gateway cookies", function () {
  it("carry the __Host- prefix when GATEWAY_ORIGIN is https, and the plain names on http://localhost", function () {
    expect(readGatewayConfig({ GATEWAY_ORIGIN: "https://portal.example.org" }).cookieNames).to.deep.equal({
      session: "__Host-medconsent_session",
      siwe: "__Host-medconsent_siwe",
    });
    for (const origin of ["http://localhost:3000", "http://127.0.0.1:4000"]) {
      expect(readGatewayConfig({ GATEWAY_ORIGIN: origin }).cookieNames, origin).to.deep.equal({
        session: "medconsent_session",
        siwe: "medconsent_siwe",
      });
    }
    // Any other http origin gets Secure cookies, hence the prefix too.
    expect(readGatewayConfig({ GATEWAY_ORIGIN: "http://portal.internal" }).cookieNames.session).to.equal(
      "__Host-medconsent_session",
    );
  });

  it("a __Host- cookie is Secure, Path=/ and has no Domain, as browsers require", function () {
    const names = cookieNames(true);
    const cookie = setCookie(names.session, "token", { maxAgeSeconds: 60, secure: true });
    expect(cookie).to.equal("__Host-medconsent_session=token; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure");
    expect(cookie.toLowerCase()).to.not.include("domain=");
    expect(clearCookie(names.siwe, true)).to.equal(
      "__Host-medconsent_siwe=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure",
    );
    expect(() => setCookie(names.session, "token", { maxAgeSeconds: 60, secure: false })).to.throw("must be Secure");
  });

  it("reads only the configured name: a plain-named cookie planted by a subdomain is not a session", function () {
    const request = withCookies("medconsent_session=planted; __Host-medconsent_session=real");
    expect(readCookie(request, cookieNames(true).session)).to.equal("real");
    expect(readCookie(withCookies("medconsent_session=planted"), cookieNames(true).session)).to.equal(undefined);
    expect(readCookie(withCookies("__Host-medconsent_session=x"), cookieNames(false).session)).to.equal(undefined);
  });
});
