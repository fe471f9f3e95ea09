import Testing

@testable import TesseraPolicy

@Suite struct SchemaTests {
    @Test func cedarSchemaFeatures() throws {
        let s = try Fixtures.photoSchema()
        let user = try #require(s.entityTypes["PhotoApp::User"])
        #expect(user.memberOf == ["PhotoApp::Group"])
        #expect(user.shape.attributes["manager"] == AttributeType(type: .entity("PhotoApp::User"), required: false))
        #expect(
            user.shape.attributes["address"]?.type
                == .record(
                    RecordType(attributes: [
                        "city": AttributeType(type: .string, required: true),
                        "zip": AttributeType(type: .string, required: false),
                    ])))
        let photo = try #require(s.entityTypes["PhotoApp::Photo"])
        #expect(photo.tags == .string)
        #expect(photo.shape.attributes["taken"]?.type == .ext("datetime"))
        #expect(
            photo.shape.attributes["meta"]?.type
                == .record(
                    RecordType(attributes: [
                        "width": AttributeType(type: .long, required: true), "height": AttributeType(type: .long, required: true),
                        "tags": AttributeType(type: .set(.string), required: false),
                    ])))
        #expect(s.entityTypes["PhotoApp::Status"]?.enumIDs == ["draft", "published"])
        let share = try #require(s.actions[uid("PhotoApp::Action", "share")])
        #expect(share.memberOf == [uid("PhotoApp::Action", "view")])
        #expect(share.context.attributes["ip"]?.type == .ext("ipaddr"))
        #expect(s.actions[uid("PhotoApp::Action", "admin")]?.principalTypes == [])
        #expect(s.mayBeIn("PhotoApp::Photo", "PhotoApp::Account"))
    }

    @Test func globalAndNamespacedNamesResolve() throws {
        let s = try Schema.parse(
            """
            entity Global;
            type Shared = { g: Global };
            namespace App { entity Local in [Global] = { s: Shared, l: __cedar::Long }; action "do it" appliesTo { principal: Local, resource: Global }; }
            """)
        #expect(s.entityTypes["App::Local"]?.memberOf == ["Global"])
        #expect(
            s.entityTypes["App::Local"]?.shape.attributes["s"]?.type
                == .record(RecordType(attributes: ["g": AttributeType(type: .entity("Global"), required: true)])))
        #expect(s.actions[uid("App::Action", "do it")]?.resourceTypes == ["Global"])
    }

    @Test(arguments: [
        ("entity A = { a: Nope };", "unknown type `Nope`"),
        ("entity A in [B];", "undeclared entity type `B`"),
        ("entity A; entity A;", "duplicate entity type `A`"),
        ("action a in [b];", "undeclared action"),
        ("entity A = { in: Long };", "reserved identifier"),
        ("entity A; action a appliesTo { principal: [A] };", "missing `resource`"),
        ("entity A; action a appliesTo { principal: [A], resource: [] };", "is `[]`"),
        ("namespace N { entity A; } namespace N { entity B; }", "duplicate namespace"),
        ("type Long = String;", "reserved schema keyword"),
        ("entity Action;", "cannot be declared"),
        ("action a in [b]; action b in [a];", "cycle"),
    ])
    func badSchemasAreRejected(_ text: String, _ fragment: String) {
        do {
            _ = try Schema.parse(text)
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.code == .schema)
            #expect(error.reason.contains(fragment), "\(error)")
        }
    }

    @Test func syntaxErrorsHaveLineAndColumn() {
        do {
            _ = try Schema.parse("entity A;\nentity B = { a: Long\n;")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 3)
            #expect(error.column == 1)
        }
    }

    @Test func jsonSchemaErrorsHaveJSONPaths() {
        do {
            _ = try Schema.fromJSON(
                #"{"": {"entityTypes": {"A": {"shape": {"type": "Record", "attributes": {"x": {}}}}}, "actions": {}}}"#)
            Issue.record("expected an error")
        } catch {
            #expect(error.path == #"$[""].entityTypes.A.shape.attributes.x"#)
        }
    }

    @Test func jsonSchemaMatchesCedarSchema() throws {
        let a = try Fixtures.photoSchema()
        let b = try Schema.fromJSON(try Fixtures.text("photoapp/schema.json"))
        #expect(Set(a.entityTypes.keys) == Set(b.entityTypes.keys))
        #expect(Set(a.actions.keys) == Set(b.actions.keys))
        for (name, def) in a.entityTypes {
            #expect(def.shape == b.entityTypes[name]!.shape, "shape of \(name)")
            #expect(def.tags == b.entityTypes[name]!.tags)
            #expect(Set(def.memberOf) == Set(b.entityTypes[name]!.memberOf))
        }
        for (uid, def) in a.actions {
            #expect(def.context == b.actions[uid]!.context)
            #expect(Set(def.memberOf) == Set(b.actions[uid]!.memberOf))
        }
        #expect(Validator.validate(try Fixtures.photoPolicies(), schema: b).isValid)
    }
}
