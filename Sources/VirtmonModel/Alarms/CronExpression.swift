import Foundation

/// A five-field cron expression (minute, hour, day of month, month, day of week; `*`, `a`, `a-b`, `*/n`,
/// `a-b/n` and lists of them), as Aodh's time constraints start windows with.
public struct CronExpression: Sendable, Equatable {
    let minutes: Set<Int>
    let hours: Set<Int>
    let days: Set<Int>
    let months: Set<Int>
    let weekdays: Set<Int>
    /// Standard cron: when both day fields are restricted, either may match.
    let daysRestricted: Bool
    let weekdaysRestricted: Bool

    public init?(_ text: String) {
        let fields = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard fields.count == 5,
              let minutes = CronExpression.field(fields[0], 0...59), let hours = CronExpression.field(fields[1], 0...23),
              let days = CronExpression.field(fields[2], 1...31), let months = CronExpression.field(fields[3], 1...12),
              var weekdays = CronExpression.field(fields[4], 0...7)
        else { return nil }
        if weekdays.contains(7) { weekdays.insert(0) }  // 7 is Sunday too
        self.minutes = minutes
        self.hours = hours
        self.days = days
        self.months = months
        self.weekdays = weekdays
        daysRestricted = fields[2] != "*"
        weekdaysRestricted = fields[4] != "*"
    }

    static func field(_ text: String, _ range: ClosedRange<Int>) -> Set<Int>? {
        var values: Set<Int> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { return nil }
            var step = 1
            if pieces.count == 2 {
                guard let value = Int(pieces[1]), value > 0 else { return nil }
                step = value
            }
            let span: ClosedRange<Int>
            if pieces[0] == "*" {
                span = range
            } else {
                let bounds = pieces[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
                guard bounds.count <= 2, let low = bounds[0], range.contains(low) else { return nil }
                let high = bounds.count == 2 ? bounds[1] : (pieces.count == 2 ? range.upperBound : low)
                guard let high, range.contains(high), low <= high else { return nil }
                span = low...high
            }
            values.formUnion(stride(from: span.lowerBound, through: span.upperBound, by: step))
        }
        return values.isEmpty ? nil : values
    }

    /// Whether the minute that starts at `date` (seconds ignored) is one the expression names, in `zone`.
    public func matches(_ date: Date, in zone: TimeZone) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: date)
        guard let minute = parts.minute, let hour = parts.hour, let day = parts.day, let month = parts.month,
              let weekday = parts.weekday.map({ $0 - 1 }) else { return false }
        guard minutes.contains(minute), hours.contains(hour), months.contains(month) else { return false }
        switch (daysRestricted, weekdaysRestricted) {
        case (true, true): return days.contains(day) || weekdays.contains(weekday)
        case (true, false): return days.contains(day)
        case (false, true): return weekdays.contains(weekday)
        case (false, false): return true
        }
    }
}

extension AlarmTimeConstraint {
    /// Whether `date` lies in a window of this constraint: within `duration` seconds after a minute its cron
    /// expression names (looked for up to a week back).
    public func contains(_ date: Date) -> Bool {
        guard let cron = CronExpression(start), let zone = TimeZone(identifier: timezone) ?? TimeZone(identifier: "UTC") else { return false }
        let minute = (date.timeIntervalSince1970 / 60).rounded(.down) * 60
        let reach = min(duration, 7 * 86_400)
        var start = minute
        while date.timeIntervalSince1970 - start < Double(reach) {
            if cron.matches(Date(timeIntervalSince1970: start), in: zone) { return true }
            start -= 60
        }
        return false
    }
}
