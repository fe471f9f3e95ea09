/// The types of the request variables for one (principal type, action, resource type) combination.
struct RequestEnvironment {
    let principal: String
    let action: EntityUID
    let resource: String
    let context: CedarType
    let principalSlot: String?
    let resourceSlot: String?
}
