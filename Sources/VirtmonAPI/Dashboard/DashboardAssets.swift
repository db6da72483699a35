/// The dashboard's files, compiled into the binary (SwiftPM's embedInCode), so `swift run virtmon up` and an
/// installed binary serve the same page with nothing shipped beside them.
enum DashboardAssets {
    /// One file as served: its bytes, media type and a validator for conditional requests.
    struct Asset: Sendable {
        let bytes: [UInt8]
        let contentType: String
        let etag: String

        init(_ bytes: [UInt8], _ contentType: String) {
            self.bytes = bytes
            self.contentType = contentType
            // FNV-1a over the bytes: a validator only needs to change when the file does.
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            // Weak: the same file is served plain or gzipped, byte-different but equivalent.
            etag = "W/\"\(String(hash, radix: 16))\""
        }
    }

    static let index = Asset(PackageResources.index_html, "text/html; charset=utf-8")

    /// The files under /dashboard/, by name.
    static let files: [String: Asset] = [
        "dashboard.js": Asset(PackageResources.dashboard_js, "text/javascript; charset=utf-8"),
        "plot.js": Asset(PackageResources.plot_js, "text/javascript; charset=utf-8"),
        "dashboard.css": Asset(PackageResources.dashboard_css, "text/css; charset=utf-8"),
        "icon.svg": Asset(PackageResources.icon_svg, "image/svg+xml"),
    ]
}
