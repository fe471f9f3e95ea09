import Foundation
import Logging
import Synchronization
import TesseraAudit

/// Holds the active policy bundle and swaps it atomically on reload. A bad reload keeps the previous set.
public final class PolicyEngine: Sendable {
    private let current: Mutex<ActivePolicies>
    /// The policy folder, or `nil` for the built-in policies.
    public let directory: String?

    public init(directory: String?) throws(PolicyLoadError) {
        self.directory = directory
        let bundle: ActivePolicies
        if let directory {
            bundle = try ActivePolicies.load(directory: directory)
        } else {
            bundle = try ActivePolicies.builtIn()
        }
        self.current = Mutex(bundle)
    }

    /// The bundle every decision in flight uses; a reload never changes a decision half-way.
    public var bundle: ActivePolicies { current.withLock { $0 } }

    /// Reloads from the folder. Returns the new version, or throws and keeps the old set.
    @discardableResult
    public func reload() throws(PolicyLoadError) -> String {
        guard let directory else { return bundle.version }
        let next = try ActivePolicies.load(directory: directory)
        current.withLock { $0 = next }
        return next.version
    }

    /// Watches the folder and reloads on SIGHUP or change, as a service of the server's group.
    func watcher(audit: AuditLog, logger: Logger, interval: Duration = .seconds(1)) -> PolicyWatcher {
        PolicyWatcher(engine: self, audit: audit, logger: logger, interval: interval)
    }

    /// The folder's files' names, sizes and modification times (what a change is).
    func fingerprint() -> String {
        guard let directory, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return "" }
        return names.sorted().map { name in
            let attributes = try? FileManager.default.attributesOfItem(
                atPath: (directory as NSString).appendingPathComponent(name))
            let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(name):\(size):\(modified)"
        }.joined(separator: "|")
    }
}
