import Foundation
import TesseraCore

/// Times every policy decision of the wrapped authorizer.
struct MeasuredAuthorizer: IssuanceAuthorizer {
    let inner: any IssuanceAuthorizer
    let metrics: ServerMetrics

    func authorize(_ request: IssuanceRequest) async -> PolicyDecision {
        let started = ContinuousClock.now
        let decision = await inner.authorize(request)
        metrics.policyDecision(action: request.action, allowed: decision.isAllowed, duration: ContinuousClock.now - started)
        return decision
    }
}
