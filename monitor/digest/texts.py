"""Every sentence of the digest, in Dutch (default) and English (``language = "en"``).

Templates read these as ``t.<key>``; a key missing in one language is a test failure, not a blank in an e-mail.
Suggestions are always conversations in real life (who talks to whom), never a reply to a post.
"""

from __future__ import annotations

from typing import Any

# Themes of "Om te bespreken", from the evidence rules of the 'ervaring' category (models/lexicons/ervaring.txt).
THEME_RULES = {
    "lesuitval": "lesuitval",
    "communicatie": "communicatie",
    "drukte": "drukte",
    "klassengrootte": "drukte",
    "onveilig": "onveilig",
    "voorzieningen": "voorzieningen",
    "belasting": "belasting",
    "behandeling": "behandeling",
}
OTHER_THEME = "overig"

NL: dict[str, Any] = {
    "subject_school": "Weekoverzicht {school}, {week}",
    "subject_safety": "Veiligheidssignalen {school}, {week} (vertrouwelijk)",
    "subject_board": "Bestuursoverzicht {board}, {week}",
    "title_school": "Weekoverzicht",
    "title_safety": "Veiligheidssignalen",
    "title_board": "Bestuursoverzicht",
    "week_range": "week {number} ({start} t/m {end})",
    "months": ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
               "november", "december"],
    "intro": "Wat er deze week openbaar over de school gezegd is, om op school te bespreken. "
             "Reageer nooit online op deze berichten.",
    "footer": "Gemaakt door school-monitor. Alleen lezen: er is niets geplaatst, geliket of gereageerd. "
              "Leg vast wat er met een bericht is gedaan: monitor review mark KENMERK --status besproken.",
    "footer_safety": "Gemaakt door school-monitor. Alleen lezen: er is niets geplaatst, geliket of gereageerd. "
                     "Leg vast wat er met een signaal is gedaan: monitor review mark KENMERK --status "
                     "doorgezet-veiligheid (of besproken of geen-actie).",
    "ref": "kenmerk",
    "open_post": "bekijk bericht",
    "open_in_app": "markeren in de webapp",
    "no_link": "(geen link)",
    "no_text": "(geen tekst)",
    "safety_open_title": "Nog open uit eerdere weken",
    "bad_link": "(geen geldige link)",
    "uncertain": "onzeker",
    "uncertain_note": "'onzeker': het model twijfelt over dit bericht; kijk zelf.",
    "possible": "mogelijk",
    "possible_note": "'mogelijk': een zwakker signaal dan een melding; lees het zelf en beslis of het aandacht vraagt.",
    "status_label": "status",
    "statuses": {"open": "open", "besproken": "besproken", "geen-actie": "geen actie nodig",
                 "gecorrigeerd": "gecorrigeerd", "doorgezet-veiligheid": "doorgezet naar veiligheid"},
    "sentiments": {"negatief": "negatief", "neutraal": "neutraal", "positief": "positief", "onzeker": "onzeker",
                   "ongelabeld": "nog niet gesorteerd"},
    "categories": {"ervaring": "ervaring", "pesten": "pesten", "kleineren": "kleineren", "bedreiging": "bedreiging",
                   "seksuele_intimidatie": "seksuele intimidatie", "persoonsgegevens": "persoonsgegevens",
                   "beeldmateriaal": "foto's of filmpjes van leerlingen", "onjuistheid": "onjuistheid",
                   "compliment": "compliment"},
    # 1. Samenvatting
    "h_summary": "1. Samenvatting",
    "summary_total": "Deze week {posts}: {parts}.",
    "summary_parts": {"veiligheid": ("{n} in het veiligheidsoverzicht", "{n} in het veiligheidsoverzicht"),
                      "bespreken": ("{n} om te bespreken", "{n} om te bespreken"),
                      "onjuistheid": ("{n} onjuistheid", "{n} onjuistheden"),
                      "goed": ("{n} goed nieuws", "{n} goed nieuws"),
                      "overig": ("{n} overig bericht", "{n} overige berichten")},
    "posts": ("{n} bericht", "{n} berichten"),
    "summary_none": "Deze week zijn er geen berichten over de school gevonden.",
    "summary_previous": "Vorige week: {n}. Gemiddeld {avg} per week over de {weeks} weken ervoor.",
    "summary_per_source": "Per bron",
    "summary_sentiment": "Toon",
    "summary_history": "Vergelijking met eerdere weken (aantallen)",
    "col_week": "week",
    "col_total": "totaal",
    "col_source": "bron",
    "col_posts": "berichten",
    "this_week": "deze week",
    "summary_unlabelled": "{n} berichten zijn nog niet door het model beoordeeld (draai 'monitor classify'); ze "
                          "staan onder 'Overige berichten', gemarkeerd met 'nog niet beoordeeld'.",
    "safety_unlabelled": "{n} berichten van deze week zijn nog niet door het model beoordeeld (draai 'monitor "
                         "classify'); of er veiligheidssignalen bij zitten, is dus nog niet bekend.",
    "summary_small": "Let op: weekaantallen zijn klein, een paar berichten meer of minder zegt nog weinig.",
    "chart_alt": "Grafiek: berichten per week naar toon",
    # 2. Veiligheid
    "h_safety": "2. Veiligheid",
    "safety_none": "Deze week geen veiligheidssignalen.",
    "safety_count": "Deze week {n} veiligheidssignalen: {kinds}.",
    "safety_count_one": "Deze week 1 veiligheidssignaal: {kinds}.",
    "safety_sent_to": "De berichten staan, met het protocol, in een aparte e-mail aan de veiligheidscontactpersoon "
                      "({n} adressen). Ze staan bewust niet in dit overzicht.",
    "safety_sent_to_one": "De berichten staan, met het protocol, in een aparte e-mail aan de "
                          "veiligheidscontactpersoon (1 adres). Ze staan bewust niet in dit overzicht.",
    "safety_not_configured_one": "Er is voor deze school geen veiligheidscontactpersoon ingesteld, dus 1 signaal "
                                 "wacht op iemand. Zet bij deze school in monitor.toml: safety_recipients = "
                                 "[\"naam@school.nl\"]. Tot die tijd staat het overzicht alleen in het bestand "
                                 "{path} in de gegevensmap.",
    "safety_not_configured": "Er is voor deze school geen veiligheidscontactpersoon ingesteld, dus {n} signalen "
                             "wachten op iemand. Zet bij deze school in monitor.toml: "
                             "safety_recipients = [\"naam@school.nl\"]. Tot die tijd staat het overzicht alleen in "
                             "het bestand {path} in de gegevensmap.",
    "safety_open_count": "Nog open uit eerdere weken: {n} veiligheidssignalen.",
    "safety_open_count_one": "Nog open uit eerdere weken: 1 veiligheidssignaal.",
    "safety_intro": "Vertrouwelijk: alleen voor de veiligheidscontactpersoon van {school}. Stuur deze e-mail niet "
                    "door; bespreek de signalen volgens het protocol hieronder.",
    "protocol_title": "Het protocol in het kort",
    "protocol_steps": [
        "Reageer nooit online op het bericht, ook niet vanaf een eigen account, en ga geen discussie aan.",
        "Praat met de betrokkenen (leerling, medewerker, ouder), op school en in een persoonlijk gesprek.",
        "Betrek de ouders of verzorgers als een leerling betrokken is, als slachtoffer of als afzender.",
        "Schakel de veiligheidscoördinator of vertrouwenspersoon in bij bedreiging, seksuele intimidatie, "
        "aanhoudend pesten, gelekte persoonsgegevens of beelden van leerlingen.",
        "Schakel de politie in bij een concrete bedreiging, afpersing of seksueel beeldmateriaal van "
        "minderjarigen (dat niet doorsturen of opslaan: melden). Bij acuut gevaar: bel 112.",
        "Leg vast wat er is gedaan: monitor review mark KENMERK --status doorgezet-veiligheid.",
    ],
    "advice": {
        "bedreiging": "Neem een bedreiging altijd serieus: veiligheidscoördinator en directie direct inlichten; "
                      "bij een concrete dreiging aangifte doen bij de politie.",
        "seksuele_intimidatie": "Vertrouwenspersoon of veiligheidscoördinator inschakelen; bij minderjarigen en "
                                "beeldmateriaal de politie. Beelden niet doorsturen of bewaren.",
        "pesten": "Mentor of leerkracht spreekt de betrokken leerlingen apart; de anti-pestcoördinator sluit aan; "
                  "ouders worden ingelicht.",
        "kleineren": "De leidinggevende spreekt met de genoemde medewerker of leerling hoe het met hem of haar gaat; "
                     "daarna eventueel met de afzender, op school.",
        "persoonsgegevens": "Laat de functionaris gegevensbescherming (FG) beoordelen of het een datalek is. "
                            "Vraag verwijdering via de meldfunctie van het platform (melden is geen reageren).",
        "beeldmateriaal": "Controleer of de ouders bezwaar hebben gemaakt tegen beeldgebruik; bespreek verwijdering "
                          "persoonlijk met de plaatser of vraag die via de meldfunctie van het platform.",
    },
    # 3. Om te bespreken
    "h_discuss": "3. Om te bespreken",
    "discuss_intro": "Negatieve ervaringen, per thema, om in het echt te bespreken. Het voorstel zegt wie met wie "
                     "kan praten; reageer niet online.",
    "discuss_none": "Deze week geen negatieve ervaringen om te bespreken.",
    "suggestion": "Voorstel",
    "themes": {
        "lesuitval": ("Lesuitval en invallers",
                      "Schoolleiding en roostermaker bespreken hoe uitval wordt opgevangen; de mentor of leerkracht "
                      "legt het uit aan de klas, ouders horen het via de nieuwsbrief of de MR."),
        "communicatie": ("Communicatie",
                         "De directie vraagt de oudergeleding van de MR of de ouderraad welke informatie mist en via "
                         "welk kanaal die beter aankomt."),
        "drukte": ("Volle klassen",
                   "De directie bespreekt de groepsgrootte met het team en de MR en legt ouders uit wat de school "
                   "eraan doet."),
        "onveilig": ("Gevoel van onveiligheid",
                     "De mentor of leerkracht praat met de klas of de betrokken leerlingen; de "
                     "veiligheidscoördinator kijkt mee of er meer speelt."),
        "voorzieningen": ("Gebouw en voorzieningen",
                          "De conciërge of facilitair medewerker en de directie zetten op een rij wat kapot is en "
                          "wanneer het wordt gemaakt; leerlingenraad en ouders horen het."),
        "belasting": ("Huiswerk- en toetsdruk",
                      "De mentor bespreekt het met de klas; het team of de sectie bekijkt samen de toets- en "
                      "huiswerkplanning, met de leerlingenraad."),
        "behandeling": ("Behandeling en gehoord worden",
                        "De mentor, leerkracht of teamleider nodigt de ouder of leerling uit voor een persoonlijk "
                        "gesprek op school en luistert eerst."),
        "overig": ("Overige ervaringen",
                   "Bespreek in het teamoverleg of dit vaker voorkomt; als bekend is om wie het gaat, volgt een "
                   "persoonlijk gesprek op school."),
    },
    # 4. Onjuistheden
    "h_inaccuracies": "4. Onjuistheden",
    "inaccuracies_intro": "Mogelijke feitelijke onjuistheden over de school. Dit is het enige geval waarin het "
                          "protocol een online actie toestaat: een rechtzetting van de feiten door het officiële "
                          "schoolaccount, nadat iemand van de schoolleiding of communicatie daartoe besluit. "
                          "Reageer niet op de persoon; leg vast met --status gecorrigeerd.",
    "inaccuracies_none": "Deze week geen mogelijke onjuistheden.",
    "fact": "Het model lette op",
    # 5. Goed nieuws
    "h_good": "5. Goed nieuws",
    "good_intro": "Complimenten en positieve ervaringen: deel ze met het team, om te versterken wat goed gaat "
                  "(niet online liken of delen).",
    "good_none": "Deze week geen goed nieuws gevonden.",
    # 6. Open punten
    "h_open": "6. Open punten",
    "open_intro": "Berichten uit de vorige {weeks} weken die aandacht vragen (negatief, onjuistheid of "
                  "veiligheid) en nog niet als afgehandeld zijn gemarkeerd.",
    "open_total": "In totaal staan {n} berichten open (ze vragen aandacht en zijn nog niet afgehandeld): {now} van "
                  "deze week en {earlier} uit eerdere weken.",
    "open_total_one": "In totaal staat 1 bericht open (het vraagt aandacht en is nog niet afgehandeld): {now} van "
                      "deze week en {earlier} uit eerdere weken.",
    "open_none": "Geen open punten uit de vorige {weeks} weken.",
    "open_more": "Nog {n} open berichten staan niet in deze lijst.",
    "open_older": "Alle open berichten, ook oudere: monitor review list --school {school}.",
    "sections": {"veiligheid": "veiligheid", "bespreken": "om te bespreken", "onjuistheid": "onjuistheid"},
    # 7. Dekking
    "h_coverage": "7. Dekking",
    "coverage_intro": "Welke bronnen deze week zijn gelezen. Geen berichten betekent niet dat alles goed is: "
                      "kijk ook naar wat niet gevolgd wordt.",
    "coverage_no_sources": "Er zijn geen bronnen ingesteld voor deze school.",
    "coverage_states": {"ok": "gelezen", "deels": "deels gelukt", "mislukt": "mislukt", "geen-run": "niet gedraaid",
                        "uit": "uitgeschakeld"},
    "coverage_row": "gedraaid: {runs}, mislukt: {failed}, nieuwe berichten: {new}",
    "coverage_last": "laatste run {when}",
    "coverage_never": "nog nooit gedraaid",
    "not_covered_title": "Niet gevolgd",
    "not_covered_app": "{platform}: geen openbare zoekfunctie; alleen met de hand geïmporteerde berichten "
                       "(monitor import) tellen mee, deze week {n}.",
    "not_covered_api": "{platform}: geen bron ingesteld.",
    "col_state": "status",
    "col_notes": "opmerkingen",
    # Board
    "board_intro": "Per school alleen aantallen: geen berichtteksten, geen links. De scholen krijgen hun eigen "
                   "weekoverzicht. Verschil: het aantal berichten vergeleken met vorige week; veiligheid: "
                   "veiligheidssignalen deze week (die gaan naar de veiligheidscontactpersoon van de school); open "
                   "punten: berichten die aandacht vragen (negatief, onjuistheid of veiligheid) en nog niet zijn "
                   "afgehandeld, van deze en eerdere weken.",
    "footer_board": "Gemaakt door school-monitor. Alleen lezen: er is niets geplaatst, geliket of gereageerd.",
    "board_none": "Er zijn geen scholen in dit bestuursoverzicht.",
    "col_school": "school",
    "col_change": "verschil",
    "col_open": "open punten",
    "col_safety": "veiligheid",
    "col_coverage": "bronnen",
    "board_coverage": "{ok} gelezen, {bad} met problemen",
    # 8. Overige berichten
    "h_other": "8. Overige berichten",
    "other_intro": "De rest van de berichten van deze week, kort: neutraal, of het model twijfelt (controleer "
                   "zelf), of nog niet beoordeeld. Zo blijft geen bericht ongezien.",
    "other_none": "Deze week geen overige berichten.",
    "check": "controleer",
    "check_note": "'controleer': het model twijfelt over de toon; lees het bericht zelf en beslis of het aandacht "
                  "vraagt.",
    "not_scored": "nog niet beoordeeld",
    "not_scored_note": "'nog niet beoordeeld': het model heeft dit bericht nog niet gesorteerd (draai 'monitor "
                       "classify').",
}

EN: dict[str, Any] = {
    "subject_school": "Weekly digest {school}, {week}",
    "subject_safety": "Safety signals {school}, {week} (confidential)",
    "subject_board": "Board digest {board}, {week}",
    "title_school": "Weekly digest",
    "title_safety": "Safety signals",
    "title_board": "Board digest",
    "week_range": "week {number} ({start} to {end})",
    "months": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December"],
    "intro": "What was said in public about the school this week, to discuss at school. Never respond online.",
    "footer": "Made by school-monitor. Read-only: nothing was posted, liked or replied to. Record what was done "
              "with a post: monitor review mark REF --status besproken.",
    "footer_safety": "Made by school-monitor. Read-only: nothing was posted, liked or replied to. Record what was "
                     "done with a signal: monitor review mark REF --status doorgezet-veiligheid (or besproken or "
                     "geen-actie).",
    "ref": "ref",
    "open_post": "view post",
    "open_in_app": "mark it in the web app",
    "no_link": "(no link)",
    "no_text": "(no text)",
    "safety_open_title": "Still open from earlier weeks",
    "bad_link": "(no valid link)",
    "uncertain": "uncertain",
    "uncertain_note": "'uncertain': the model is not sure about this post; check it yourself.",
    "possible": "possible",
    "possible_note": "'possible': a weaker signal than a flag; read it yourself and decide whether it needs attention.",
    "status_label": "status",
    "statuses": {"open": "open", "besproken": "discussed", "geen-actie": "no action needed",
                 "gecorrigeerd": "corrected", "doorgezet-veiligheid": "passed to safety"},
    "sentiments": {"negatief": "negative", "neutraal": "neutral", "positief": "positive", "onzeker": "uncertain",
                   "ongelabeld": "not sorted yet"},
    "categories": {"ervaring": "experience", "pesten": "bullying", "kleineren": "belittling", "bedreiging": "threat",
                   "seksuele_intimidatie": "sexual intimidation", "persoonsgegevens": "personal data",
                   "beeldmateriaal": "photos or videos of pupils", "onjuistheid": "inaccuracy",
                   "compliment": "compliment"},
    "h_summary": "1. Summary",
    "summary_total": "This week {posts}: {parts}.",
    "summary_parts": {"veiligheid": ("{n} in the safety digest", "{n} in the safety digest"),
                      "bespreken": ("{n} to discuss", "{n} to discuss"),
                      "onjuistheid": ("{n} inaccuracy", "{n} inaccuracies"),
                      "goed": ("{n} good news", "{n} good news"),
                      "overig": ("{n} other post", "{n} other posts")},
    "posts": ("{n} post", "{n} posts"),
    "summary_none": "No posts about the school were found this week.",
    "summary_previous": "Last week: {n}. On average {avg} per week over the {weeks} weeks before.",
    "summary_per_source": "Per source",
    "summary_sentiment": "Tone",
    "summary_history": "Compared with earlier weeks (counts)",
    "col_week": "week",
    "col_total": "total",
    "col_source": "source",
    "col_posts": "posts",
    "this_week": "this week",
    "summary_unlabelled": "{n} posts have not been assessed by the model yet (run 'monitor classify'); they are "
                          "under 'Other posts', marked 'not assessed yet'.",
    "safety_unlabelled": "{n} posts of this week have not been assessed by the model yet (run 'monitor classify'); "
                         "whether they hold safety signals is not known yet.",
    "summary_small": "Note: weekly numbers are small; a few posts more or less mean little.",
    "chart_alt": "Chart: posts per week by tone",
    "h_safety": "2. Safety",
    "safety_none": "No safety signals this week.",
    "safety_count": "{n} safety signals this week: {kinds}.",
    "safety_count_one": "1 safety signal this week: {kinds}.",
    "safety_sent_to": "The posts, with the protocol, are in a separate e-mail to the safety contact ({n} "
                      "addresses). They are deliberately left out of this digest.",
    "safety_sent_to_one": "The posts, with the protocol, are in a separate e-mail to the safety contact (1 "
                          "address). They are deliberately left out of this digest.",
    "safety_not_configured_one": "No safety contact is configured for this school, so 1 signal is waiting for "
                                 "someone. Add to this school in monitor.toml: safety_recipients = "
                                 "[\"name@school.nl\"]. Until then the overview is only in the file {path} in the "
                                 "data directory.",
    "safety_not_configured": "No safety contact is configured for this school, so {n} signals are waiting for "
                             "someone. Add to this school in monitor.toml: safety_recipients = [\"name@school.nl\"]. "
                             "Until then the overview is only in the file {path} in the data directory.",
    "safety_open_count": "Still open from earlier weeks: {n} safety signals.",
    "safety_open_count_one": "Still open from earlier weeks: 1 safety signal.",
    "safety_intro": "Confidential: only for the safety contact of {school}. Do not forward this e-mail; handle the "
                    "signals following the protocol below.",
    "protocol_title": "The protocol in short",
    "protocol_steps": [
        "Never respond to the post online, not from a personal account either, and do not start a discussion.",
        "Talk to those involved (pupil, staff member, parent), at school and in person.",
        "Involve the parents or carers when a pupil is involved, as the target or as the author.",
        "Involve the safety coordinator or confidential adviser for threats, sexual intimidation, persistent "
        "bullying, leaked personal data or images of pupils.",
        "Involve the police for a concrete threat, extortion or sexual images of minors (do not forward or keep "
        "them: report them). In acute danger: call 112.",
        "Record what was done: monitor review mark REF --status doorgezet-veiligheid.",
    ],
    "advice": {
        "bedreiging": "Always take a threat seriously: tell the safety coordinator and the head at once; report a "
                      "concrete threat to the police.",
        "seksuele_intimidatie": "Involve the confidential adviser or safety coordinator; the police when minors or "
                                "images are involved. Do not forward or keep images.",
        "pesten": "The mentor or teacher talks to the pupils involved separately; the anti-bullying coordinator "
                  "joins; parents are informed.",
        "kleineren": "The manager asks the staff member or pupil named how they are; then, if needed, talks to the "
                     "author, at school.",
        "persoonsgegevens": "Ask the data protection officer to assess whether this is a data breach. Request removal "
                            "through the platform's report function (reporting is not responding).",
        "beeldmateriaal": "Check whether parents objected to the use of images; discuss removal with the poster in "
                          "person or request it through the platform's report function.",
    },
    "h_discuss": "3. To discuss",
    "discuss_intro": "Negative experiences, by theme, to discuss in real life. The suggestion says who might talk "
                     "to whom; do not respond online.",
    "discuss_none": "No negative experiences to discuss this week.",
    "suggestion": "Suggestion",
    "themes": {
        "lesuitval": ("Cancelled lessons and substitutes",
                      "School management and the timetabler discuss how cancellations are covered; the mentor or "
                      "teacher explains it to the class, parents hear it in the newsletter or the council."),
        "communicatie": ("Communication",
                         "The head asks the parents on the school council which information is missing and which "
                         "channel works better."),
        "drukte": ("Full classes",
                   "The head discusses class sizes with the team and the council and explains to parents what the "
                   "school does about it."),
        "onveilig": ("Feeling unsafe",
                     "The mentor or teacher talks with the class or the pupils involved; the safety coordinator "
                     "checks whether more is going on."),
        "voorzieningen": ("Building and facilities",
                          "The caretaker and the head list what is broken and when it will be fixed; the pupils' "
                          "council and parents are told."),
        "belasting": ("Homework and test load",
                      "The mentor discusses it with the class; the team reviews the test and homework planning "
                      "together with the pupils' council."),
        "behandeling": ("Being treated fairly and heard",
                        "The mentor, teacher or team leader invites the parent or pupil for a conversation at "
                        "school and listens first."),
        "overig": ("Other experiences",
                   "Discuss in the team meeting whether this happens more often; if it is known who it is about, "
                   "follow up with a conversation at school."),
    },
    "h_inaccuracies": "4. Inaccuracies",
    "inaccuracies_intro": "Possible factual inaccuracies about the school. This is the only case where the protocol "
                          "allows an online action: a correction of the facts by the school's official account, "
                          "after someone in management or communications decides so. Do not reply to the person; "
                          "record it with --status gecorrigeerd.",
    "inaccuracies_none": "No possible inaccuracies this week.",
    "fact": "The model noticed",
    "h_good": "5. Good news",
    "good_intro": "Compliments and positive experiences: share them with the team to strengthen what goes well "
                  "(do not like or share them online).",
    "good_none": "No good news found this week.",
    "h_open": "6. Open items",
    "open_intro": "Posts from the previous {weeks} weeks that need attention (negative, inaccuracy or safety) and "
                  "are not yet marked as handled.",
    "open_total": "In total {n} posts are open (they need attention and are not handled yet): {now} from this week "
                  "and {earlier} from earlier weeks.",
    "open_total_one": "In total 1 post is open (it needs attention and is not handled yet): {now} from this week "
                      "and {earlier} from earlier weeks.",
    "open_none": "No open items from the previous {weeks} weeks.",
    "open_more": "{n} more open posts are not in this list.",
    "open_older": "All open posts, older ones too: monitor review list --school {school}.",
    "sections": {"veiligheid": "safety", "bespreken": "to discuss", "onjuistheid": "inaccuracy"},
    "h_coverage": "7. Coverage",
    "coverage_intro": "Which sources were read this week. No posts does not mean all is well: also look at what is "
                      "not followed.",
    "coverage_no_sources": "No sources are configured for this school.",
    "coverage_states": {"ok": "read", "deels": "partly", "mislukt": "failed", "geen-run": "did not run",
                        "uit": "disabled"},
    "coverage_row": "runs: {runs}, failed: {failed}, new posts: {new}",
    "coverage_last": "last run {when}",
    "coverage_never": "never ran",
    "not_covered_title": "Not followed",
    "not_covered_app": "{platform}: no public search; only posts imported by hand (monitor import) count, {n} this "
                       "week.",
    "not_covered_api": "{platform}: no source configured.",
    "col_state": "status",
    "col_notes": "notes",
    "board_intro": "Per school only counts: no post texts, no links. Each school gets its own weekly digest. "
                   "Change: the number of posts compared with last week; safety: safety signals this week (they "
                   "go to the school's safety contact); open items: posts that need attention (negative, "
                   "inaccuracy or safety) and are not handled yet, from this and earlier weeks.",
    "footer_board": "Made by school-monitor. Read-only: nothing was posted, liked or replied to.",
    "board_none": "There are no schools in this board digest.",
    "col_school": "school",
    "col_change": "change",
    "col_open": "open items",
    "col_safety": "safety",
    "col_coverage": "sources",
    "board_coverage": "{ok} read, {bad} with problems",
    "h_other": "8. Other posts",
    "other_intro": "The rest of this week's posts, briefly: neutral, or the model is unsure (check yourself), or not "
                   "assessed yet. So no post goes unseen.",
    "other_none": "No other posts this week.",
    "check": "check",
    "check_note": "'check': the model is unsure about the tone; read the post yourself and decide whether it needs "
                  "attention.",
    "not_scored": "not assessed yet",
    "not_scored_note": "'not assessed yet': the model has not sorted this post yet (run 'monitor classify').",
}

TEXTS = {"nl": NL, "en": EN}


def texts(language: str) -> dict[str, Any]:
    return TEXTS.get(language, NL)
