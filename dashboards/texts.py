"""Every word the dashboard shows, in Dutch (default) and English (``language = "en"`` in the config)."""

from __future__ import annotations

NL: dict[str, str] = {
    "title": "Dashboard: wat er openbaar over onze scholen gezegd wordt",
    "subtitle": "Trends om in het echt te bespreken. We reageren niet online.",
    "aggregates_note": (
        "Dit dashboard toont alleen aantallen per week: geen berichten, geen namen of accounts. De berichten zelf "
        "staan in de wekelijkse digest voor de communicatiemedewerker."
    ),
    "small_numbers_note": (
        "Weekaantallen zijn klein: bij drie berichten verandert één bericht het aandeel al met 33 procentpunt. "
        "Daarom staan hier aantallen als staven, en het aandeel negatieve berichten alleen over een voortschrijdend "
        "venster van {weeks} weken, met een 95%-betrouwbaarheidsinterval (Wilson). Een breed interval betekent: te "
        "weinig berichten om een conclusie te trekken."
    ),
    "updated": "Bijgewerkt op {when}",
    "filters": "Filters",
    "period_from": "Van week",
    "period_to": "T/m week",
    "school": "School",
    "source": "Bron",
    "category": "Categorie",
    "all_sources": "Alle bronnen",
    "all_categories": "Alle categorieën",
    "all_schools": "Alle scholen samen",
    "school_view": "Per school",
    "board_view": "Bestuursoverzicht: alle scholen naast elkaar",
    "chart_volume": "Berichten per week, per bron",
    "chart_sentiment": "Sentiment per week (aantallen berichten)",
    "chart_share": "Aandeel negatief over {weeks} weken, met 95%-interval",
    "chart_categories": "Protocolcategorieën per week (een bericht kan in meer categorieën vallen)",
    "chart_reviews": "Open en afgehandelde berichten per week",
    "chart_coverage": "Dekking: welke bronnen draaiden",
    "chart_board_share": "Aandeel negatief, laatste {weeks} weken, met 95%-interval",
    "chart_board_multiples": "Berichten per week per school (rood: negatief)",
    "axis_week": "Week",
    "axis_posts": "Berichten",
    "axis_share": "Aandeel negatief",
    "interval": "95%-interval",
    "share_line": "aandeel negatief",
    "negatives": "negatief",
    "others": "overig",
    "open": "open",
    "handled": "afgehandeld",
    "ran_ok": "gedraaid",
    "ran_partial": "deels mislukt",
    "ran_failed": "mislukt",
    "not_run": "niet gedraaid",
    "runs": "runs",
    "failed_runs": "mislukt",
    "col_school": "School",
    "col_open_safety": "Open veiligheidssignalen",
    "col_open": "Open berichten",
    "col_posts": "Berichten in periode",
    "col_share": "Aandeel negatief (laatste {weeks} weken)",
    "col_category": "{category} in periode",
    "col_safety_categories": "Veiligheidssignalen in periode",
    "col_coverage": "Bronnen met problemen in periode",
    "board_sort_note": (
        "Gesorteerd op wat aandacht vraagt: eerst open veiligheidssignalen, dan open berichten, dan de ondergrens "
        "van het interval van het aandeel negatief."
    ),
    "safety_note": (
        "Open veiligheidssignalen: berichten van de laatste {weeks} weken met een signaal (gemeld of mogelijk) in de "
        "categorieën {categories} die nog niet zijn afgehandeld (zie 'monitor review list'). Veiligheidssignalen in "
        "periode: zulke berichten in de gekozen periode, afgehandeld of niet; elk bericht telt één keer."
    ),
    "review_note": (
        "Open: een bericht dat aandacht vraagt (negatief, onjuistheid of veiligheid) en waarvan nog niemand met "
        "'monitor review mark' heeft vastgelegd wat er (in het echt) mee is gedaan; dezelfde telling als in het "
        "weekoverzicht en 'monitor review list'. Afgehandeld: gemarkeerd."
    ),
    "no_data": "Geen gegevens in deze periode.",
    "too_few": "te weinig berichten",
    "exports": "Exports: weekly.xlsx (de weektabel: een regel per school, week en bron), weekly.csv (dezelfde "
               "cijfers als lange tabel, met ; voor Nederlandse Excel) en de grafieken als PNG in de map charts/.",
    "links_title": "Open berichten van deze school (links)",
    "links_note": (
        "Alleen links, geen teksten of auteurs. Zichtbaar omdat [dashboard] link_posts aan staat; deel dit "
        "dashboard dan alleen met wie de berichten mag zien."
    ),
    "col_ref": "Kenmerk",
    "col_week": "Week",
    "col_source": "Bron",
    "col_categories": "Categorieën",
    "col_link": "Link",
    "open_link": "bericht openen",
    "noscript": (
        "Dit dashboard heeft JavaScript nodig (alles staat in dit ene bestand; er wordt niets van internet geladen)."
    ),
}

EN: dict[str, str] = {
    "title": "Dashboard: what is said in public about our schools",
    "subtitle": "Trends to discuss in real life. We do not react online.",
    "aggregates_note": (
        "This dashboard shows weekly counts only: no posts, no names or accounts. The posts themselves are in the "
        "weekly digest for the communications officer."
    ),
    "small_numbers_note": (
        "Weekly counts are small: with three posts, one post moves the share by 33 percentage points. So counts "
        "are shown as bars, and the share of negative posts only over a rolling window of {weeks} weeks, with a "
        "95% confidence interval (Wilson). A wide interval means: too few posts to draw a conclusion."
    ),
    "updated": "Updated {when}",
    "filters": "Filters",
    "period_from": "From week",
    "period_to": "To week",
    "school": "School",
    "source": "Source",
    "category": "Category",
    "all_sources": "All sources",
    "all_categories": "All categories",
    "all_schools": "All schools together",
    "school_view": "Per school",
    "board_view": "Board view: all schools side by side",
    "chart_volume": "Posts per week, per source",
    "chart_sentiment": "Sentiment per week (number of posts)",
    "chart_share": "Share negative over {weeks} weeks, with 95% interval",
    "chart_categories": "Protocol categories per week (a post can be in several)",
    "chart_reviews": "Open and handled posts per week",
    "chart_coverage": "Coverage: which sources ran",
    "chart_board_share": "Share negative, last {weeks} weeks, with 95% interval",
    "chart_board_multiples": "Posts per week per school (red: negative)",
    "axis_week": "Week",
    "axis_posts": "Posts",
    "axis_share": "Share negative",
    "interval": "95% interval",
    "share_line": "share negative",
    "negatives": "negative",
    "others": "other",
    "open": "open",
    "handled": "handled",
    "ran_ok": "ran",
    "ran_partial": "partly failed",
    "ran_failed": "failed",
    "not_run": "did not run",
    "runs": "runs",
    "failed_runs": "failed",
    "col_school": "School",
    "col_open_safety": "Open safety signals",
    "col_open": "Open posts",
    "col_posts": "Posts in period",
    "col_share": "Share negative (last {weeks} weeks)",
    "col_category": "{category} in period",
    "col_safety_categories": "Safety signals in period",
    "col_coverage": "Sources with problems in period",
    "board_sort_note": (
        "Sorted by what needs attention: open safety signals first, then open posts, then the lower bound of the "
        "interval of the negative share."
    ),
    "safety_note": (
        "Open safety signals: posts of the last {weeks} weeks with a signal (flagged or possible) in the categories "
        "{categories} that are not handled yet (see 'monitor review list'). Safety signals in period: such posts in "
        "the chosen period, handled or not; each post counts once."
    ),
    "review_note": (
        "Open: a post that needs attention (negative, inaccuracy or safety) for which nobody has yet recorded with "
        "'monitor review mark' what was done (in real life); the same count as in the weekly digest and 'monitor "
        "review list'. Handled: marked."
    ),
    "no_data": "No data in this period.",
    "too_few": "too few posts",
    "exports": "Exports: weekly.xlsx (the weekly table: one row per school, week and source), weekly.csv (the same "
               "numbers as a long table) and the charts as PNG in the charts/ folder.",
    "links_title": "Open posts of this school (links)",
    "links_note": (
        "Links only, no texts or authors. Shown because [dashboard] link_posts is on; share this dashboard only "
        "with people who may see the posts."
    ),
    "col_ref": "Reference",
    "col_week": "Week",
    "col_source": "Source",
    "col_categories": "Categories",
    "col_link": "Link",
    "open_link": "open post",
    "noscript": (
        "This dashboard needs JavaScript (everything is in this one file; nothing is loaded from the internet)."
    ),
}

VALUES: dict[str, dict[str, str]] = {
    "nl": {
        "negatief": "negatief", "neutraal": "neutraal", "positief": "positief", "onzeker": "onzeker",
        "ongelabeld": "nog niet gesorteerd", "ervaring": "ervaring", "pesten": "pesten", "kleineren": "kleineren",
        "bedreiging": "bedreiging", "seksuele_intimidatie": "seksuele intimidatie",
        "persoonsgegevens": "persoonsgegevens", "beeldmateriaal": "beeldmateriaal", "onjuistheid": "onjuistheid",
        "compliment": "compliment",
    },
    "en": {
        "negatief": "negative", "neutraal": "neutral", "positief": "positive", "onzeker": "uncertain",
        "ongelabeld": "not classified yet", "ervaring": "experience", "pesten": "bullying", "kleineren": "belittling",
        "bedreiging": "threat", "seksuele_intimidatie": "sexual harassment", "persoonsgegevens": "personal data",
        "beeldmateriaal": "images of pupils", "onjuistheid": "inaccuracy", "compliment": "compliment",
    },
}


def texts(language: str) -> dict[str, str]:
    """The dashboard's texts in ``language`` ("nl" or "en"; anything else falls back to Dutch), unformatted."""
    return dict(EN if language == "en" else NL)


def page_texts(language: str, rolling_weeks: int, safety_categories: list[str], generated: str) -> dict[str, str]:
    """The texts with the window length, the safety categories and the build time filled in."""
    words = texts(language)
    filled = {"weeks": str(rolling_weeks), "when": generated,
              "categories": ", ".join(value_label(c, language) for c in safety_categories)}
    for key, text in words.items():
        for name, value in filled.items():
            text = text.replace("{" + name + "}", value)
        words[key] = text
    return words


def value_label(value: str, language: str) -> str:
    """A sentiment or category name as shown (e.g. seksuele_intimidatie -> seksuele intimidatie)."""
    return VALUES["en" if language == "en" else "nl"].get(value, value.replace("_", " "))
