# Durations and times in mails and pages (src/i18n/words.rs).
words-days = { $n ->
    [one] { $n } day
   *[other] { $n } days
}
words-hours = { $n ->
    [one] { $n } hour
   *[other] { $n } hours
}
words-minutes = { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}
words-less-than-a-minute = less than a minute
# "1 day, 1 hour" and "1 minute"
words-list-and = { $init } and { $last }
words-time = { $time } UTC
words-date-time = { $time } UTC on { $weekday } { $day } { $month } { $year }
words-weekday-1 = Monday
words-weekday-2 = Tuesday
words-weekday-3 = Wednesday
words-weekday-4 = Thursday
words-weekday-5 = Friday
words-weekday-6 = Saturday
words-weekday-7 = Sunday
words-month-1 = January
words-month-2 = February
words-month-3 = March
words-month-4 = April
words-month-5 = May
words-month-6 = June
words-month-7 = July
words-month-8 = August
words-month-9 = September
words-month-10 = October
words-month-11 = November
words-month-12 = December
