extension Substring.UTF8View {
    /// Without the spaces and tabs at either end: `trimmingCharacters(in: .whitespaces)` for text that must be ASCII
    /// (a token, a header value), without Foundation's bridging of the whole string on every request.
    public var trimmingASCIIBlanks: Substring.UTF8View {
        var view = self
        while let first = view.first, first == 0x20 || first == 0x09 { view.removeFirst() }
        while let last = view.last, last == 0x20 || last == 0x09 { view.removeLast() }
        return view
    }
}
