/// Byte-level substring search for the replay's fast path (Foundation's `range(of:)` costs more than a decision).
enum ByteSearch {
    /// The offset just past the last occurrence of `pattern` in `text`, or nil.
    static func endOfLast(_ pattern: StaticString, in text: String) -> Int? {
        var text = text
        return text.withUTF8 { haystack in
            pattern.withUTF8Buffer { needle in
                guard needle.count <= haystack.count, let first = needle.first else { return nil }
                var start = haystack.count - needle.count
                while start >= 0 {
                    if haystack[start] == first && matches(haystack, at: start, needle) { return start + needle.count }
                    start -= 1
                }
                return nil
            }
        }
    }

    /// Whether `text` contains `pattern`.
    static func contains(_ pattern: StaticString, in text: String) -> Bool { endOfFirst(pattern, in: text) != nil }

    /// The offset just past the first occurrence of `pattern` in `text`, or nil.
    static func endOfFirst(_ pattern: StaticString, in text: String) -> Int? {
        var text = text
        return text.withUTF8 { haystack in
            pattern.withUTF8Buffer { needle in
                guard needle.count <= haystack.count, let first = needle.first else { return nil }
                var start = 0
                let last = haystack.count - needle.count
                while start <= last {
                    if haystack[start] == first && matches(haystack, at: start, needle) { return start + needle.count }
                    start += 1
                }
                return nil
            }
        }
    }

    private static func matches(_ haystack: UnsafeBufferPointer<UInt8>, at start: Int, _ needle: UnsafeBufferPointer<UInt8>)
        -> Bool
    {
        var index = 1
        while index < needle.count {
            if haystack[start + index] != needle[index] { return false }
            index += 1
        }
        return true
    }

    /// The text from `offset` up to the next `"` (ids and key names: no escapes), or nil.
    static func quoted(from offset: Int, in text: String) -> String? {
        var text = text
        return text.withUTF8 { bytes in
            var end = offset
            while end < bytes.count && bytes[end] != UInt8(ascii: "\"") { end += 1 }
            guard end < bytes.count else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[offset..<end]), as: UTF8.self)
        }
    }
}
