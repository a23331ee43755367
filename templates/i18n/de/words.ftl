# Zeitspannen und Uhrzeiten in Mails und Seiten (src/i18n/words.rs).
words-days = { $n ->
    [one] { $n } Tag
   *[other] { $n } Tage
}
words-hours = { $n ->
    [one] { $n } Stunde
   *[other] { $n } Stunden
}
words-minutes = { $n ->
    [one] { $n } Minute
   *[other] { $n } Minuten
}
words-less-than-a-minute = weniger als einer Minute
words-list-and = { $init } und { $last }
words-time = { $time } Uhr UTC
words-date-time = { $time } Uhr UTC am { $weekday }, { $day }. { $month } { $year }
words-weekday-1 = Montag
words-weekday-2 = Dienstag
words-weekday-3 = Mittwoch
words-weekday-4 = Donnerstag
words-weekday-5 = Freitag
words-weekday-6 = Samstag
words-weekday-7 = Sonntag
words-month-1 = Januar
words-month-2 = Februar
words-month-3 = März
words-month-4 = April
words-month-5 = Mai
words-month-6 = Juni
words-month-7 = Juli
words-month-8 = August
words-month-9 = September
words-month-10 = Oktober
words-month-11 = November
words-month-12 = Dezember
