import Foundation
import Hummingbird

/// `POST /v1/secrets/postgres`: a workload's access token (with a task) in, a one-time database credential out.
struct SecretRoutes {
    let service: DynamicSecretsService
    let maximumBodySize: Int

    func register(in router: Router<TesseraRequestContext>) {
        router.post("v1/secrets/postgres") { request, context in
            let body = try JSONObjectReader(try await request.adminBody(limit: maximumBodySize))
            try body.rejectUnknown(allowed: ["role"])
            let issued = try await service.issue(
                await ResourceRequest(request, context: context), template: try body.requiredString("role"),
                remoteAddress: context.remoteAddress)
            let settings = service.manager.settings
            return try Response.json(
                CredentialResource(
                    username: issued.credential.username, password: issued.credential.password,
                    expiresAt: issued.credential.expiresAt, leaseID: issued.credential.username, taskID: issued.taskID,
                    host: settings.host, port: settings.port, database: settings.database),
                status: .created)
        }
    }
}

/// A dynamic credential, returned exactly once.
private struct CredentialResource: Encodable {
    let username: String
    let password: String
    let expiresAt: Date
    let leaseID: String
    let taskID: String
    let host: String
    let port: Int
    let database: String

    enum CodingKeys: String, CodingKey {
        case username, password, host, port, database
        case expiresAt = "expires_at"
        case leaseID = "lease_id"
        case taskID = "task_id"
    }
}
