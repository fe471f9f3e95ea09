/// A `like` pattern: literal characters and `*` wildcards.
public struct LikePattern: Sendable, Hashable {
    let pieces: [StringEscapes.PatternPiece]

    /// Whether `text` matches the whole pattern.
    public func matches(_ text: String) -> Bool {
        let s = Array(text.unicodeScalars)
        var si = 0
        var pi = 0
        var starP = -1
        var starS = 0
        while si < s.count {
            if pi < pieces.count, case .char(let c) = pieces[pi], c == s[si] {
                si += 1
                pi += 1
            } else if pi < pieces.count, case .wildcard = pieces[pi] {
                starP = pi
                starS = si
                pi += 1
            } else if starP >= 0 {
                pi = starP + 1
                starS += 1
                si = starS
            } else {
                return false
            }
        }
        while pi < pieces.count, case .wildcard = pieces[pi] { pi += 1 }
        return pi == pieces.count
    }
}
