import Testing

@testable import TesseraPolicy

@Suite struct EntitiesTests {
    @Test func hierarchyIsTransitive() throws {
        let e = try Entities([
            Entity(uid: uid("A", "1"), parents: [uid("B", "1")]),
            Entity(uid: uid("B", "1"), parents: [uid("C", "1")]),
            Entity(uid: uid("C", "1")),
        ])
        #expect(e.isIn(uid("A", "1"), uid("C", "1")))
        #expect(e.isIn(uid("A", "1"), uid("A", "1")))
        #expect(!e.isIn(uid("C", "1"), uid("A", "1")))
        #expect(e.ancestors(of: uid("A", "1")) == [uid("B", "1"), uid("C", "1")])
        #expect(throws: CedarError.self) { _ = try Entities([Entity(uid: uid("A", "1")), Entity(uid: uid("A", "1"))]) }
    }

    @Test func escapesWithoutSchema() throws {
        let e = try Entities.fromJSON(
            """
            [{"uid": {"__entity": {"type": "U", "id": "a"}},
              "attrs": {"ref": {"__entity": {"type": "U", "id": "b"}}, "ip": {"__extn": {"fn": "ip", "arg": "10.0.0.1"}},
                        "plain": {"type": "U", "id": "b"},
                        "when": {"__extn": {"fn": "offset", "args": [{"__extn": {"fn": "datetime", "arg": "1970-01-01"}},
                                                                      {"__extn": {"fn": "duration", "arg": "1s"}}]}}},
              "parents": [], "tags": {"t": 1}}]
            """)
        let a = try #require(e[uid("U", "a")])
        #expect(a.attributes["ref"] == .entity(uid("U", "b")))
        #expect(a.attributes["ip"] == .ext(.ipaddr(IPAddress("10.0.0.1")!)))
        #expect(a.attributes["plain"] == .record(["type": .string("U"), "id": .string("b")]))
        #expect(a.attributes["when"] == .ext(.datetime(1000)))
        #expect(a.tags["t"] == .long(1))
    }

    @Test func schemaEnablesImplicitFormsAndAddsActions() throws {
        let e = try Fixtures.photoEntities()
        let photo = try #require(e[uid("PhotoApp::Photo", "beach.jpg")])
        #expect(photo.attributes["taken"] == .ext(.datetime(CedarDateTime.parseDatetime("2024-07-14T10:30:00Z")!)))
        #expect(photo.attributes["owner"] == .entity(uid("PhotoApp::User", "alice")))
        #expect(e.isIn(uid("PhotoApp::Action", "share"), uid("PhotoApp::Action", "view")))
    }

    @Test(arguments: [
        (#"[{"uid": {"type": "PhotoApp::Nope", "id": "x"}}]"#, "$[0].uid"),
        (#"[{"uid": {"type": "PhotoApp::User", "id": "x"}, "attrs": {"department": "a", "level": "high"}}]"#, "$[0].attrs.level"),
        (#"[{"uid": {"type": "PhotoApp::User", "id": "x"}, "attrs": {"department": "a"}}]"#, "$[0].attrs"),
        (
            #"[{"uid": {"type": "PhotoApp::User", "id": "x"}, "attrs": {"department": "a", "level": 1, "extra": 1}}]"#,
            "$[0].attrs"
        ),
        (#"[{"uid": {"type": "PhotoApp::Status", "id": "deleted"}}]"#, "$[0].uid"),
        (#"[{"uid": {"type": "PhotoApp::Group", "id": "g"}, "tags": {"a": "b"}}]"#, "$[0].tags"),
        (
            #"[{"uid": {"type": "PhotoApp::Group", "id": "g"}, "parents": [{"type": "PhotoApp::User", "id": "u"}]}]"#,
            "$[0].parents[0]"
        ),
        (#"{"uid": 1}"#, "$"),
    ])
    func badEntitiesReportJSONPaths(_ text: String, _ path: String) throws {
        let schema = try Fixtures.photoSchema()
        do {
            _ = try Entities.fromJSON(text, schema: schema)
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.code == .entities)
            #expect(error.path == path, "\(error)")
        }
    }

    @Test func contextIsTypedBySchema() throws {
        let schema = try Fixtures.photoSchema()
        let ctx = try Request.context(
            fromJSON: try JSONValue.parse(#"{"ip": "10.0.0.1", "score": {"fn": "decimal", "arg": "0.5"}, "mfa": true}"#),
            schema: schema, action: uid("PhotoApp::Action", "view"))
        #expect(ctx["score"] == .ext(.decimal(5000)))
        #expect(throws: CedarError.self) {
            _ = try Request.context(
                fromJSON: try JSONValue.parse(#"{"ip": "nope", "score": "0.5", "mfa": true}"#),
                schema: schema, action: uid("PhotoApp::Action", "view"))
        }
    }

    @Test func overlayAddsRequestEntitiesWithoutRebuilding() throws {
        let base = try Entities([Entity(uid: uid("Team", "t"), parents: [uid("Org", "o")]), Entity(uid: uid("Org", "o"))])
        let view = try base.overlaying([
            Entity(uid: uid("Workload", "w"), attributes: ["env": "prod"], parents: [uid("Team", "t")])
        ])
        #expect(view.isIn(uid("Workload", "w"), uid("Org", "o")))
        #expect(view[uid("Workload", "w")]?.attributes["env"] == "prod")
        #expect(view.count == 3)
        #expect(base[uid("Workload", "w")] == nil)
        let replaced = try view.overlaying([Entity(uid: uid("Team", "t"))])
        #expect(!replaced.isIn(uid("Team", "t"), uid("Org", "o")))
        #expect(replaced.isIn(uid("Workload", "w"), uid("Org", "o")))  // earlier overlay entries keep their closure
        #expect(throws: CedarError.self) { _ = try base.overlaying([Entity(uid: uid("A", "1")), Entity(uid: uid("A", "1"))]) }
    }
}
