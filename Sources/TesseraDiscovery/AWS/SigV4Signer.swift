import Crypto
import Foundation

/// Signs requests with AWS Signature Version 4 (HMAC-SHA256), the way every AWS service but S3 expects: canonical
/// request, string to sign, derived signing key, `Authorization` header. The time is given by the caller (no clock
/// inside), so a signature is reproducible: `SigV4SignerTests` checks AWS's published test suite.
public struct SigV4Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"

    public let credentials: AWSCredentials
    public let region: String
    public let service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The request with `X-Amz-Date` (when missing), `X-Amz-Security-Token` (temporary credentials, when missing)
    /// and `Authorization` added. Every header of the request is signed.
    public func signed(_ request: SigV4Request, at date: Date) -> SigV4Request {
        let prepared = prepared(request, at: date)
        return prepared.adding("Authorization", authorization(forPrepared: prepared, at: date))
    }

    /// The request as it is signed: `X-Amz-Date` and the session token added when missing.
    public func prepared(_ request: SigV4Request, at date: Date) -> SigV4Request {
        var request = request
        if request.header("X-Amz-Date") == nil { request = request.adding("X-Amz-Date", Self.timestamp(date)) }
        if let token = credentials.sessionToken, request.header("X-Amz-Security-Token") == nil {
            request = request.adding("X-Amz-Security-Token", token)
        }
        return request
    }

    /// The canonical request of a prepared request (see ``prepared(_:at:)``).
    public func canonicalRequest(_ request: SigV4Request) -> String {
        let headers = SigV4Canonical.headers(request.headers)
        return [
            request.method.uppercased(), SigV4Canonical.uri(request.path), SigV4Canonical.query(request.query),
            headers.canonical, headers.signed, SigV4Canonical.sha256Hex(request.body),
        ].joined(separator: "\n")
    }

    /// `AWS4-HMAC-SHA256`, the timestamp, the credential scope and the canonical request's SHA-256, one a line.
    public func stringToSign(canonicalRequest: String, at date: Date) -> String {
        [
            Self.algorithm, Self.timestamp(date), credentialScope(at: date),
            SigV4Canonical.sha256Hex(Data(canonicalRequest.utf8)),
        ].joined(separator: "\n")
    }

    /// The `Authorization` header value for a prepared request.
    public func authorization(forPrepared request: SigV4Request, at date: Date) -> String {
        let canonical = canonicalRequest(request)
        let signature = signature(of: stringToSign(canonicalRequest: canonical, at: date), at: date)
        let signedHeaders = SigV4Canonical.headers(request.headers).signed
        return "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(credentialScope(at: date)), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
    }

    /// `yyyymmdd/region/service/aws4_request`.
    public func credentialScope(at date: Date) -> String {
        "\(Self.timestamp(date).prefix(8))/\(region)/\(service)/aws4_request"
    }

    /// The hex HMAC-SHA256 of the string to sign under the key derived for the day, region and service.
    func signature(of stringToSign: String, at date: Date) -> String {
        var key = SymmetricKey(data: Data(("AWS4" + credentials.secretAccessKey).utf8))
        for part in [String(Self.timestamp(date).prefix(8)), region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return SigV4Canonical.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
    public static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0,
            parts.minute ?? 0, parts.second ?? 0)
    }
}
