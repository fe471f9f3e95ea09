/// The credentials requests to AWS are signed with: an access key id, its secret, and the session token that comes
/// with temporary credentials. Read from the standard `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
/// `AWS_SESSION_TOKEN` by the command line; never printed (``description`` shows the key id only).
public struct AWSCredentials: Sendable, CustomStringConvertible {
    /// The access key id (not secret: it names the key).
    public let accessKeyID: String
    let secretAccessKey: String
    /// The session token of temporary credentials (sent as `X-Amz-Security-Token`, signed).
    public let sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String { "AWSCredentials(\(accessKeyID), secret redacted)" }
}
