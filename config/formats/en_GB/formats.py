# The *_FORMAT strings use Django's date format syntax; the *_INPUT_FORMATS, strftime's.
DATE_FORMAT = "j M Y"  # 4 Dec 2026
DATETIME_FORMAT = "j M Y, H:i"  # 4 Dec 2026, 14:05
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
FIRST_DAY_OF_WEEK = 1  # Monday

# What a date field accepts: the way dates are shown ("31 Mar 2027", "31 March 2027") and the way
# people in the UK type them ("31/03/2027", "31/3/27"). Django adds ISO 8601 ("2027-03-31", what a
# browser's date picker sends) to every list.
DATE_INPUT_FORMATS = ["%d %b %Y", "%d %B %Y", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d %b %Y, %H:%M",
    "%d %b %Y %H:%M",
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
