extension ServerMetrics {
    /// How far a sink is behind the chain head (records), measured by the server delivering to it.
    func sinkLag(_ sink: String, _ lag: Int64) {
        set("tessera_audit_sink_lag_records", Int(clamping: lag), dimensions: [("sink", sink)])
    }

    /// Records delivered to a sink.
    func sinkDelivered(_ sink: String, records: Int) {
        increment("tessera_audit_sink_delivered_total", [("sink", sink)], by: records)
    }

    /// A delivery that failed and will be retried.
    func sinkFailed(_ sink: String) {
        increment("tessera_audit_sink_failures_total", [("sink", sink)])
    }

    /// Whether a sink is more than the allowed lag behind (1) or not (0).
    func sinkLagging(_ sink: String, _ lagging: Bool) {
        set("tessera_audit_sink_lagging", lagging ? 1 : 0, dimensions: [("sink", sink)])
    }
}
