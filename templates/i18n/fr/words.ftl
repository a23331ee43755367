# Durées et heures dans les courriels et les pages (src/i18n/words.rs).
words-days = { $n ->
    [one] { $n } jour
   *[other] { $n } jours
}
words-hours = { $n ->
    [one] { $n } heure
   *[other] { $n } heures
}
words-minutes = { $n ->
    [one] { $n } minute
   *[other] { $n } minutes
}
words-less-than-a-minute = moins d’une minute
words-list-and = { $init } et { $last }
words-time = { $time } UTC
words-date-time = { $time } UTC le { $weekday } { $day } { $month } { $year }
words-weekday-1 = lundi
words-weekday-2 = mardi
words-weekday-3 = mercredi
words-weekday-4 = jeudi
words-weekday-5 = vendredi
words-weekday-6 = samedi
words-weekday-7 = dimanche
words-month-1 = janvier
words-month-2 = février
words-month-3 = mars
words-month-4 = avril
words-month-5 = mai
words-month-6 = juin
words-month-7 = juillet
words-month-8 = août
words-month-9 = septembre
words-month-10 = octobre
words-month-11 = novembre
words-month-12 = décembre
