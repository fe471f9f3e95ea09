import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// An XML element as the IAM Query API answers it: a name, its text and its child elements (attributes and
/// namespaces are not needed and not kept). Parsed with Foundation's `XMLParser`; no external entities are loaded.
public struct XMLNode: Sendable, Equatable {
    public let name: String
    public let text: String
    public let children: [XMLNode]

    public init(name: String, text: String = "", children: [XMLNode] = []) {
        self.name = name
        self.text = text
        self.children = children
    }

    /// The first child named `name`.
    public subscript(_ name: String) -> XMLNode? { children.first { $0.name == name } }

    /// The text of the child at `path` (`node.string("AccessKeyLastUsed", "Region")`), `nil` when absent or empty.
    public func string(_ path: String...) -> String? {
        var node: XMLNode? = self
        for name in path { node = node?[name] }
        guard let text = node?.text, !text.isEmpty else { return nil }
        return text
    }

    /// The first element named `name` at any depth (this one included).
    public func first(named name: String) -> XMLNode? {
        if self.name == name { return self }
        for child in children {
            if let found = child.first(named: name) { return found }
        }
        return nil
    }

    /// The `member` children of the child `name` (`<Users><member>…</member></Users>`).
    public func members(of name: String) -> [XMLNode] { self[name]?.children.filter { $0.name == "member" } ?? [] }

    /// Parses a document; `nil` when it is not well-formed XML.
    public static func parse(_ data: Data) -> XMLNode? {
        let delegate = Builder()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = delegate
        guard parser.parse(), let root = delegate.root else { return nil }
        return root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        struct Open {
            let name: String
            var text = ""
            var children: [XMLNode] = []
        }

        var stack: [Open] = []
        var root: XMLNode?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            stack.append(Open(name: elementName))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if !stack.isEmpty { stack[stack.count - 1].text += string }
        }

        func parser(_ parser: XMLParser, foundCDATA block: Data) {
            if !stack.isEmpty { stack[stack.count - 1].text += String(decoding: block, as: UTF8.self) }
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            guard let open = stack.popLast() else { return }
            let text = open.children.isEmpty ? open.text : open.text.trimmingCharacters(in: .whitespacesAndNewlines)
            let node = XMLNode(name: open.name, text: text, children: open.children)
            if stack.isEmpty { root = node } else { stack[stack.count - 1].children.append(node) }
        }
    }
}
