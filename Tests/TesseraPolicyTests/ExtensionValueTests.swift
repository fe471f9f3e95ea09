import Testing

@testable import TesseraPolicy

@Suite struct ExtensionValueTests {
    @Test func ipParsingFollowsCedar() {
        #expect(IPAddress("192.168.0.1") != nil)
        #expect(IPAddress("10.0.0.0/8")?.prefix == 8)
        #expect(IPAddress("::1")?.isV6 == true)
        #expect(IPAddress("fe80::1:2/64")?.prefix == 64)
        for bad in [
            "01.2.3.4", "1.2.3", "1.2.3.256", "1.2.3.4/33", "1.2.3.4/08", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8:9", "1::2::3", "",
            "1.2.3.4/", "::/129",
        ] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
    }

    @Test func ipPredicates() throws {
        #expect(IPAddress("127.0.0.1")!.isLoopback)
        #expect(!IPAddress("127.0.0.1/4")!.isLoopback)
        #expect(IPAddress("::1")!.isLoopback)
        #expect(IPAddress("224.1.2.3")!.isMulticast)
        #expect(IPAddress("ff02::1")!.isMulticast)
        #expect(IPAddress("10.1.2.3")!.isInRange(IPAddress("10.0.0.0/8")!))
        #expect(IPAddress("10.0.0.0/8")!.isInRange(IPAddress("10.0.0.0/8")!))
        #expect(!IPAddress("10.0.0.0/7")!.isInRange(IPAddress("10.0.0.0/8")!))
        #expect(!IPAddress("::a00:1")!.isInRange(IPAddress("10.0.0.0/8")!))
        #expect(
            try eval(#"ip("1.2.3.4").isIpv4() && ip("::2").isIpv6() && ip("192.168.1.7").isInRange(ip("192.168.0.0/16"))"#)
                == .allow)
        #expect(try eval(#"ip("1.2.3.4") == ip("1.2.3.4/32")"#) == .allow)
        #expect(try eval(#"ip("nope").isIpv4()"#) == .error)
    }

    @Test func decimalParsingAndComparison() throws {
        #expect(try CedarDecimal.parse("1.5").get() == 15000)
        #expect(try CedarDecimal.parse("-0.0001").get() == -1)
        #expect(try CedarDecimal.parse("922337203685477.5807").get() == Int64.max)
        #expect(try CedarDecimal.parse("-922337203685477.5808").get() == Int64.min)
        for bad in ["1", "1.", ".5", "1.23456", "922337203685477.5808", "1.a", "--1.0", "+1.0"] {
            #expect(throws: CedarError.self, "\(bad)") { try CedarDecimal.parse(bad).get() }
        }
        #expect(CedarDecimal.format(-15) == "-0.0015")
    }

    @Test func decimalMethods() throws {
        #expect(
            try eval(#"decimal("1.23").lessThan(decimal("1.24")) && decimal("-1.0").lessThanOrEqual(decimal("-1.0"))"#) == .allow)
        #expect(
            try eval(#"decimal("2.0").greaterThan(decimal("1.99")) && decimal("2.0").greaterThanOrEqual(decimal("2.0000"))"#)
                == .allow)
        #expect(try eval(#"decimal("1.0").lessThan(1)"#) == .error)
    }

    @Test func datetimeFormats() {
        #expect(CedarDateTime.parseDatetime("1970-01-01") == 0)
        #expect(CedarDateTime.parseDatetime("1970-01-02T00:00:01Z") == 86_401_000)
        #expect(CedarDateTime.parseDatetime("1970-01-01T00:00:00.123Z") == 123)
        #expect(CedarDateTime.parseDatetime("1970-01-01T01:00:00+0100") == 0)
        #expect(CedarDateTime.parseDatetime("1970-01-01T00:00:00.500-0030") == 1_800_500)
        #expect(CedarDateTime.parseDatetime("1969-12-31") == -86_400_000)
        #expect(CedarDateTime.parseDatetime("2024-02-29") != nil)
        for bad in [
            "2023-02-29", "2024-13-01", "2024-01-01T24:00:00Z", "2024-01-01T00:00:00", "2024-01-01T00:00:00+2400",
            "2024-1-01", "2024-01-01Z", "2024-01-01T00:00:00.12Z", "+2024-01-01",
        ] {
            #expect(CedarDateTime.parseDatetime(bad) == nil, "\(bad)")
        }
    }

    @Test func durationFormats() {
        #expect(CedarDateTime.parseDuration("1d2h3m4s5ms") == 93_784_005)
        #expect(CedarDateTime.parseDuration("-1h") == -3_600_000)
        #expect(CedarDateTime.parseDuration("0ms") == 0)
        #expect(CedarDateTime.parseDuration("-9223372036854775808ms") == Int64.min)
        for bad in ["", "-", "1h1d", "1x", "h", "1d1d", "9223372036854775808ms", "106751991168d"] {
            #expect(CedarDateTime.parseDuration(bad) == nil, "\(bad)")
        }
    }

    @Test func datetimeMethods() throws {
        let checks = [
            #"datetime("2024-01-01T12:00:00Z").toDate() == datetime("2024-01-01")"#,
            #"datetime("2024-01-01T12:00:00Z").toTime() == duration("12h")"#,
            #"datetime("1969-12-31T23:00:00Z").toTime() == duration("23h")"#,
            #"datetime("2024-01-01").offset(duration("1d")) == datetime("2024-01-02")"#,
            #"datetime("2024-01-02").durationSince(datetime("2024-01-01")).toHours() == 24"#,
            #"duration("90m").toHours() == 1 && duration("-90m").toHours() == -1"#,
            #"duration("1d").toMilliseconds() == 86400000 && duration("2d").toDays() == 2"#,
            #"datetime("2024-01-01") < datetime("2024-01-02") && duration("1s") <= duration("1000ms")"#,
        ]
        for c in checks { #expect(try eval(c) == .allow, "\(c)") }
        #expect(try eval(#"datetime("2024-01-01") < duration("1d")"#) == .error)
        #expect(
            try eval(
                #"datetime("1970-01-01").offset(duration("9223372036854775807ms")).offset(duration("1ms")) == datetime("1970-01-01")"#
            ) == .error)
    }
}
