import Testing

@testable import TesseraServer

/// An IPv4 client of a dual-stack listener arrives as `::ffff:a.b.c.d`: decisions see the IPv4 address, so its
/// network is its own /24 and Cedar gets a valid `ipaddr`.
@Suite struct PeerAddressTests {
    @Test(arguments: [
        ("::ffff:192.0.2.7", "192.0.2.7"), ("::FFFF:127.0.9.1", "127.0.9.1"), ("::ffff:c000:207", "192.0.2.7"),
        ("192.0.2.7", "192.0.2.7"), ("2001:db8::1", "2001:db8::1"), ("::1", "::1"), ("::", "::"),
        ("not an address", "not an address"),
    ])
    func mappedAddressesAreTheirIPv4Address(_ raw: String, _ expected: String) {
        #expect(PeerAddress.normalized(raw) == expected)
    }

    @Test func everyIPv4ClientOfADualStackListenerIsItsOwnNetwork() {
        #expect(IdentityBaseline.network(of: "::ffff:127.0.9.1") == "127.0.9.0/24")
        #expect(IdentityBaseline.network(of: "::ffff:192.0.2.2") == "192.0.2.0/24")
        #expect(IdentityBaseline.network(of: "::ffff:127.0.9.1") != IdentityBaseline.network(of: "::ffff:192.0.2.2"))
        #expect(IdentityBaseline.network(of: "2001:db8:1:2::5") == "20010db800010002::/64")
        #expect(PeerAddress.normalized(nil) == nil)
    }
}
