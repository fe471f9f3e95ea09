import Testing

@testable import TesseraAgent

/// py-spiffe and go-spiffe call these exact paths: the generated code must not carry a package prefix.
@Test(.stopsServers) func workloadAPIMethodPathsMatchTheSpecification() {
    typealias API = WorkloadAPI_SpiffeWorkloadAPI
    #expect(API.Method.FetchX509SVID.descriptor.fullyQualifiedMethod == "SpiffeWorkloadAPI/FetchX509SVID")
    #expect(API.Method.FetchJWTSVID.descriptor.fullyQualifiedMethod == "SpiffeWorkloadAPI/FetchJWTSVID")
    #expect(API.Method.ValidateJWTSVID.descriptor.fullyQualifiedMethod == "SpiffeWorkloadAPI/ValidateJWTSVID")
}
