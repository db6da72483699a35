/// A target name or unit such as `{name}.rate` or `{unit}/s`, split once so that filling it in per sample is
/// a few appends rather than a search.
struct NameTemplate: Sendable, Hashable {
    enum Part: Sendable, Hashable {
        case text(String)
        case name
        case unit
    }

    let parts: [Part]

    init(_ template: String) {
        var parts: [Part] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            let tail = rest[open...]
            let placeholder: Part? = tail.hasPrefix("{name}") ? .name : tail.hasPrefix("{unit}") ? .unit : nil
            guard let placeholder else {
                parts.append(.text(String(rest[...open])))
                rest = rest[rest.index(after: open)...]
                continue
            }
            if open > rest.startIndex { parts.append(.text(String(rest[..<open]))) }
            parts.append(placeholder)
            rest = rest[rest.index(open, offsetBy: 6)...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
    }

    func render(name: String, unit: String) -> String {
        if parts.count == 1, case .text(let text) = parts[0] { return text }
        var result = ""
        for part in parts {
            switch part {
            case .text(let text): result += text
            case .name: result += name
            case .unit: result += unit
            }
        }
        return result
    }
}
