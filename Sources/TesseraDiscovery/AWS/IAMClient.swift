import Foundation
import NIOHTTP1
import TesseraCore

/// Calls the IAM Query API (`POST` form `Action=…&Version=2010-05-08`, XML answers) with signed requests: follows
/// pagination (`IsTruncated`/`Marker`) to the end, retries throttling with exponential backoff and turns IAM's
/// errors into ``DiscoveryError``s that say what is missing (`the credentials lack iam:ListRoles`).
public struct IAMClient: Sendable {
    /// Sends one request: URL, headers, form body.
    public typealias Transport = @Sendable (String, [(String, String)], Data) async throws -> DiscoveryHTTPClient.Response
    /// Waits between throttled tries.
    public typealias Sleep = @Sendable (Duration) async throws -> Void

    public static let version = "2010-05-08"
    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "ServiceUnavailable",
    ]
    static let credentialCodes: Set<String> = [
        "InvalidClientTokenId", "SignatureDoesNotMatch", "IncompleteSignature", "MissingAuthenticationToken",
        "InvalidAccessKeyId", "AuthFailure", "ExpiredToken", "RequestExpired", "UnrecognizedClientException",
        "InvalidToken",
    ]
    static let deniedCodes: Set<String> = [
        "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
    ]

    /// The endpoint's URL (`https://iam.amazonaws.com`).
    public let endpoint: URL
    let signer: SigV4Signer
    let clock: any TimeSource
    let transport: Transport
    let sleep: Sleep
    /// `MaxItems` sent with every listing (`nil`: IAM's default, 100).
    public let pageSize: Int?
    /// Tries of one call before throttling fails it.
    public let maximumAttempts: Int
    /// The first wait after a throttled try; each next wait doubles.
    public let initialBackoff: Duration

    public init(
        endpoint: URL, signer: SigV4Signer, clock: any TimeSource, transport: @escaping Transport,
        sleep: @escaping Sleep = { try await Task.sleep(for: $0) }, pageSize: Int? = nil, maximumAttempts: Int = 5,
        initialBackoff: Duration = .milliseconds(200)
    ) {
        self.endpoint = endpoint
        self.signer = signer
        self.clock = clock
        self.transport = transport
        self.sleep = sleep
        self.pageSize = pageSize
        self.maximumAttempts = maximumAttempts
        self.initialBackoff = initialBackoff
    }

    /// A client sending through `http`.
    public init(endpoint: URL, signer: SigV4Signer, clock: any TimeSource, http: DiscoveryHTTPClient, pageSize: Int? = nil) {
        self.init(
            endpoint: endpoint, signer: signer, clock: clock,
            transport: { url, headers, body in try await http.send(method: .POST, url: url, headers: headers, body: body) },
            pageSize: pageSize)
    }

    /// Calls `action` and returns its `<ActionResult>` element. With `allowMissing`, IAM's `NoSuchEntity` answer
    /// returns `nil` (a user without a login profile, for example).
    public func call(_ action: String, _ parameters: [(String, String)] = [], allowMissing: Bool = false) async throws
        -> XMLNode?
    {
        let body = Data(Self.form([("Action", action), ("Version", Self.version)] + parameters).utf8)
        var attempt = 1
        while true {
            let response = try await transport(endpoint.absoluteString, signedHeaders(body), body)
            let document = XMLNode.parse(response.body)
            if response.status == 200 {
                guard let result = document?[action + "Result"] else {
                    throw DiscoveryError(
                        .malformed, source: "aws",
                        "\(host) answered iam:\(action) with a document that is not IAM's XML answer "
                            + "(is --endpoint-url an IAM endpoint?)")
                }
                return result
            }
            let error = document?.first(named: "Error")
            let code = error?.string("Code") ?? ""
            let message = Self.clip(error?.string("Message") ?? "")
            if code == "NoSuchEntity" && allowMissing { return nil }
            if Self.throttlingCodes.contains(code) || response.status == 429 || response.status == 503 {
                guard attempt < maximumAttempts else {
                    throw DiscoveryError(
                        .throttled, source: "aws",
                        "IAM kept throttling iam:\(action) after \(attempt) tries (\(code.isEmpty ? "HTTP \(response.status)" : code)); "
                            + "run again later or with a smaller estate per run")
                }
                try await sleep(backoff(after: attempt))
                attempt += 1
                continue
            }
            throw failure(action: action, status: response.status, code: code, message: message)
        }
    }

    /// Reads a paginated listing to its end: the `member`s of the result's `items` element over every page. A failure
    /// on a later page returns what was read with the failure, so the caller can keep it and report the rest missing.
    public func list(_ action: String, _ parameters: [(String, String)] = [], items: String) async -> IAMListing {
        var read: [XMLNode] = []
        var marker: String?
        var pages = 0
        do {
            repeat {
                var page = parameters
                if let pageSize { page.append(("MaxItems", String(pageSize))) }
                if let marker { page.append(("Marker", marker)) }
                guard let result = try await call(action, page) else { break }
                read += result.members(of: items)
                pages += 1
                guard result.string("IsTruncated") == "true" else { return IAMListing(items: read, pages: pages, failure: nil) }
                guard let next = result.string("Marker"), next != marker else {
                    throw DiscoveryError(
                        .malformed, source: "aws", "iam:\(action) said page \(pages) is truncated but gave no new Marker")
                }
                marker = next
            } while true
        } catch let error as DiscoveryError {
            return IAMListing(items: read, pages: pages, failure: error)
        } catch {
            return IAMListing(items: read, pages: pages, failure: DiscoveryError(.unreachable, source: "aws", "\(error)"))
        }
        return IAMListing(items: read, pages: pages, failure: nil)
    }

    var host: String {
        guard let host = endpoint.host else { return endpoint.absoluteString }
        return endpoint.port.map { "\(host):\($0)" } ?? host
    }

    func signedHeaders(_ body: Data) -> [(String, String)] {
        let path = endpoint.path.isEmpty ? "/" : endpoint.path
        let request = SigV4Request(
            method: "POST", path: path,
            headers: [.init("Host", host), .init("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: body)
        return signer.signed(request, at: clock.now()).headers.map { ($0.name, $0.value) }
    }

    func backoff(after attempt: Int) -> Duration {
        min(initialBackoff * (1 << min(attempt - 1, 16)), .seconds(20))
    }

    func failure(action: String, status: Int, code: String, message: String) -> DiscoveryError {
        let detail = message.isEmpty ? code : "\(code): \(message)"
        if Self.credentialCodes.contains(code) {
            let key = signer.credentials.accessKeyID
            let reason: String
            switch code {
            case "InvalidClientTokenId", "InvalidAccessKeyId", "UnrecognizedClientException":
                reason =
                    "IAM does not know the access key id \(key) (\(code)): check AWS_ACCESS_KEY_ID, and AWS_SESSION_TOKEN "
                    + "for temporary credentials"
            case "SignatureDoesNotMatch":
                reason =
                    "IAM refused the request signature (SignatureDoesNotMatch): AWS_SECRET_ACCESS_KEY is not the "
                    + "secret of \(key), or this machine's clock is off"
            case "ExpiredToken", "RequestExpired":
                reason = "the credentials of \(key) have expired (\(code)): get new temporary credentials"
            default:
                reason = "IAM refused the credentials of \(key) (\(detail))"
            }
            return DiscoveryError(.unauthenticated, source: "aws", reason)
        }
        if Self.deniedCodes.contains(code) {
            return DiscoveryError(.forbidden, source: "aws", "the credentials lack iam:\(action) (\(code))")
        }
        if code.isEmpty {
            return DiscoveryError(
                .malformed, source: "aws",
                "\(host) answered iam:\(action) with HTTP \(status) and no IAM error document (is --endpoint-url an IAM endpoint?)"
            )
        }
        return DiscoveryError(.malformed, source: "aws", "IAM answered iam:\(action) with HTTP \(status) (\(detail))")
    }

    /// `name=value&…`, each encoded as SigV4 does (RFC 3986 unreserved characters kept).
    static func form(_ parameters: [(String, String)]) -> String {
        parameters.map { "\(SigV4Canonical.encode($0.0))=\(SigV4Canonical.encode($0.1))" }.joined(separator: "&")
    }

    static func clip(_ text: String) -> String { text.count > 300 ? String(text.prefix(300)) + "…" : text }
}
