/// What a paginated listing read: every item of the pages read, and the failure that stopped it, if any.
public struct IAMListing: Sendable {
    public let items: [XMLNode]
    public let pages: Int
    public let failure: DiscoveryError?
}
