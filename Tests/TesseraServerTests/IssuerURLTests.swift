import TesseraTestSupport
import Testing

@testable import TesseraServer

/// Issuer URLs relying parties resolve: https outside loopback, normal form, and the JWT-SVID issuer never the same
/// place as the OAuth issuer however it is spelled (attacker findings on outbound federation).
@Suite(.stopsServers) struct IssuerURLTests {
    @Test func issuersMustBeHTTPSOutsideLoopbackAndInNormalForm() {
        for good in [
            "https://tessera.example.com", "https://tessera.example.com/jwt-svid", "http://127.0.0.1:8443/jwt-svid",
            "http://localhost:8443", "http://[::1]:8443",
        ] {
            #expect((try? IssuerURL.validate(good, what: "issuer")) != nil, "\(good)")
        }
        for bad in [
            "http://example.com", "http://evil.localhost/x", "http://127.0.0.1.evil.com", "HTTP://127.0.0.1:1",
            "https://Tessera.example.com", "https://t.example.com/a/./b", "https://t.example.com/a/../b",
            "https://t.example.com//a",
            "https://t.example.com/%2e%2e", "https://u@t.example.com", "https://t.example.com/?q", "https://t.example.com/",
            "ftp://t.example.com", "tessera.example.com", "",
            // Other spellings of one place (attacker re-check): trailing dots, non-canonical IP literals, zones.
            "https://localhost.:1", "https://tessera.example.com.", "https://127.1:1", "https://2130706433:1",
            "https://0x7f.0.0.1:1", "https://127.0.0.1.:1", "https://[0:0:0:0:0:0:0:1]:1", "https://[0::1]:1",
            "https://[::ffff:127.0.0.1]:1", "https://[::1%25lo]:1",
        ] {
            #expect(throws: ServerError.self, "\(bad)") { try IssuerURL.validate(bad, what: "issuer") }
        }
    }

    @Test func theJWTSVIDIssuerIsNeverTheOAuthIssuerUnderAnotherSpelling() {
        var spiffe = SPIFFEConfiguration()
        for same in ["http://127.0.0.1:18690", "http://localhost:18690", "https://127.0.0.1:18690"] {
            spiffe.jwtIssuer = same
            #expect(throws: ServerError.self, "\(same)") { try spiffe.validate(issuer: "http://127.0.0.1:18690") }
        }
        spiffe.jwtIssuer = "https://tessera.example.com:443/jwt-svid"
        #expect(throws: ServerError.self) { try spiffe.validate(issuer: "https://tessera.example.com/jwt-svid") }
        spiffe.jwtIssuer = "http://127.0.0.1:18690/jwt-svid"
        #expect((try? spiffe.validate(issuer: "http://127.0.0.1:18690")) != nil)
    }
}
