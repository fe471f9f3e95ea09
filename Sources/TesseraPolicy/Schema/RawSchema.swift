/// Schema declarations before name resolution (shared by the Cedar and JSON schema formats).
struct RawSchema {
    indirect enum RawType {
        case name(String, SourceLocation?)
        case set(RawType)
        case record([String: RawAttribute])
        /// JSON-schema `{"type": "Entity", "name": ...}` / `"Extension"`: a name of a known kind.
        case entity(String)
        case ext(String)
    }

    struct RawAttribute {
        let type: RawType
        let required: Bool
    }

    struct RawEntity {
        let name: String
        let memberOf: [String]
        let shape: [String: RawAttribute]
        let tags: RawType?
        let enumIDs: [String]?
        let location: SourceLocation?
    }

    struct RawActionRef {
        let type: String?
        let id: String
    }

    struct RawAction {
        let id: String
        let memberOf: [RawActionRef]
        let principals: [String]
        let resources: [String]
        let context: RawType?
        let location: SourceLocation?
    }

    struct Namespace {
        var name: String
        var entities: [RawEntity] = []
        var actions: [RawAction] = []
        var commonTypes: [(String, RawType, SourceLocation?)] = []
    }

    var namespaces: [Namespace] = []
}
