/// TesseraPolicy: a Cedar policy engine in Swift (parser, evaluator, validator).
public enum TesseraPolicy {
    /// The Cedar language version this engine targets.
    public static let cedarVersion = "4.x"
}
