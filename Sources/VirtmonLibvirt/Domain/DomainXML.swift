import Foundation

/// The few things virtmon reads from a domain's XML: nova metadata and disk/interface targets. A small scanner
/// over attributes, since FoundationXML is a separate library on Linux and the shapes are fixed.
enum DomainXML {
    /// The text between `<tag …>` and `</tag>` (first occurrence, tag may carry a namespace prefix).
    static func element(_ tag: String, in xml: Substring) -> Substring? {
        guard let open = xml.firstRange(of: "<\(tag)") else { return nil }
        guard let close = xml[open.upperBound...].firstRange(of: ">") else { return nil }
        if xml[xml.index(before: close.upperBound)...].hasPrefix(">") && xml[..<close.lowerBound].hasSuffix("/") { return "" }
        guard let end = xml[close.upperBound...].firstRange(of: "</\(tag)>") else { return nil }
        return xml[close.upperBound..<end.lowerBound]
    }

    /// The attributes of the first `<tag …>` in `xml`.
    static func attributes(_ tag: String, in xml: Substring) -> [String: String]? {
        guard let open = xml.firstRange(of: "<\(tag) ") ?? xml.firstRange(of: "<\(tag)/") ?? xml.firstRange(of: "<\(tag)>") else { return nil }
        guard let close = xml[open.upperBound...].firstIndex(of: ">") else { return nil }
        return parseAttributes(xml[open.upperBound..<close])
    }

    static func parseAttributes(_ text: Substring) -> [String: String] {
        var result: [String: String] = [:]
        var rest = text
        while let equals = rest.firstIndex(of: "=") {
            let name = rest[..<equals].trimmingCharacters(in: .whitespaces)
            let afterEquals = rest[rest.index(after: equals)...].drop(while: { $0 == " " })
            guard let quote = afterEquals.first, quote == "'" || quote == "\"" else { break }
            let valueStart = afterEquals.index(after: afterEquals.startIndex)
            guard let valueEnd = afterEquals[valueStart...].firstIndex(of: quote) else { break }
            result[name] = unescape(afterEquals[valueStart..<valueEnd])
            rest = afterEquals[afterEquals.index(after: valueEnd)...]
        }
        return result
    }

    static func unescape(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// Every `<tag …>…</tag>` block (or self-closed) in order.
    static func blocks(_ tag: String, in xml: Substring) -> [Substring] {
        var result: [Substring] = []
        var rest = xml
        while let open = rest.firstRange(of: "<\(tag) ") ?? rest.firstRange(of: "<\(tag)>") {
            guard let close = rest[open.upperBound...].firstIndex(of: ">") else { break }
            if rest[rest.index(before: close)] == "/" {
                result.append(rest[open.lowerBound...close])
                rest = rest[rest.index(after: close)...]
                continue
            }
            guard let end = rest[close...].firstRange(of: "</\(tag)>") else { break }
            result.append(rest[open.lowerBound..<end.upperBound])
            rest = rest[end.upperBound...]
        }
        return result
    }

    /// nova:instance metadata (namespace prefix as nova writes it).
    static func nova(_ xml: String) -> NovaMetadata? {
        let text = Substring(xml)
        guard let instance = element("nova:instance", in: text) else { return nil }
        var nova = NovaMetadata()
        nova.instanceName = element("nova:name", in: instance).map { unescape($0) }
        nova.flavorName = attributes("nova:flavor", in: instance)?["name"]
        if let owner = element("nova:owner", in: instance) {
            nova.userID = attributes("nova:user", in: owner)?["uuid"]
            nova.userName = element("nova:user", in: owner).map { unescape($0) }
            nova.projectID = attributes("nova:project", in: owner)?["uuid"]
            nova.projectName = element("nova:project", in: owner).map { unescape($0) }
        }
        return nova
    }

    /// Disk targets (`vda`) of disks that have a source, in document order.
    static func diskTargets(_ xml: String) -> [String] {
        blocks("disk", in: Substring(xml)).compactMap { disk in
            guard disk.contains("<source") || disk.contains("device='disk'") || disk.contains("device=\"disk\"") else { return nil }
            return attributes("target", in: disk)?["dev"]
        }
    }

    /// Interface targets (`vnet0`) and MACs, in document order.
    static func interfaces(_ xml: String) -> [(target: String, mac: String?)] {
        blocks("interface", in: Substring(xml)).compactMap { interface in
            guard let target = attributes("target", in: interface)?["dev"] else { return nil }
            return (target, attributes("mac", in: interface)?["address"])
        }
    }
}
