/// An error from the crypto layer. Reasons never include key material or token contents.
public struct TesseraCryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let malformedJWS = Code(rawValue: "malformed_jws")
        public static let unsupportedAlgorithm = Code(rawValue: "unsupported_algorithm")
        public static let badSignature = Code(rawValue: "bad_signature")
        public static let unknownKey = Code(rawValue: "unknown_key")
        public static let malformedKey = Code(rawValue: "malformed_key")
        public static let decryptionFailed = Code(rawValue: "decryption_failed")
        public static let missingKEK = Code(rawValue: "missing_kek")
        public static let invalidCertificate = Code(rawValue: "invalid_certificate")
        public static let invalidCSR = Code(rawValue: "invalid_csr")
        public static let invalidSVID = Code(rawValue: "invalid_svid")
        public static let invalidBundle = Code(rawValue: "invalid_bundle")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
