extension Int64 {
    /// `self - other`, clamped to `Int64`'s range instead of trapping: for distances between sequence numbers a
    /// database returned (a database writer can plant any value; a trap would stop the server).
    public func saturatingSubtracting(_ other: Int64) -> Int64 {
        let (value, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other < 0 ? .max : .min) : value
    }

    /// `self + other`, clamped to `Int64`'s range instead of trapping (see `saturatingSubtracting`).
    public func saturatingAdding(_ other: Int64) -> Int64 {
        let (value, overflow) = addingReportingOverflow(other)
        return overflow ? (other < 0 ? .min : .max) : value
    }
}
