"""A seeded generator of realistic brief corpora for benchmarks and clustering tests.

`python benchmarks/corpus.py N OUTDIR [--seed S]` writes OUTDIR/content/*.md, outlets.yaml,
OUTDIR/site.yaml and OUTDIR/labels.json ({slug: story cluster id or null}).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

COUNTRIES = [
    "Ukraine", "Russia", "China", "Taiwan", "Japan", "South Korea", "North Korea", "India", "Pakistan", "Iran",
    "Israel", "Egypt", "Turkey", "Germany", "France", "Poland", "Italy", "Spain", "Brazil", "Argentina", "Mexico",
    "Canada", "Nigeria", "Kenya", "Ethiopia", "South Africa", "Indonesia", "Vietnam", "the Philippines",
    "Australia", "Saudi Arabia", "Qatar", "Venezuela", "Colombia", "Sweden", "Finland", "Hungary", "Serbia",
    "Georgia", "Armenia", "Azerbaijan", "Syria", "Lebanon", "Sudan", "Niger", "Chile", "Peru", "Thailand",
]
PLACES = [
    "Kharkiv", "Odesa", "Kursk", "Belgorod", "Busan", "Okinawa", "Kaohsiung", "Gaza City", "Rafah", "Aleppo",
    "Khartoum", "Niamey", "Goma", "Lagos", "Mombasa", "Manila", "Da Nang", "Karachi", "Lahore", "Mumbai", "Chennai",
    "Hamburg", "Marseille", "Gdansk", "Naples", "Valencia", "Sao Paulo", "Rosario", "Monterrey", "Quebec City",
    "Yerevan", "Baku", "Tbilisi", "Novi Sad", "Debrecen", "Gothenburg", "Tampere", "Jeddah", "Doha", "Caracas",
    "Medellin", "Valparaiso", "Arequipa", "Chiang Mai", "Surabaya", "Perth", "Darwin", "Izmir", "Haifa", "Alexandria",
]
FIRST = ["Anna", "Oleksandr", "Mei", "Hiroshi", "Ji-woo", "Priya", "Omar", "Leila", "Daniel", "Sofia", "Mateus",
         "Chinwe", "Amina", "Tomasz", "Ingrid", "Carlos", "Fatima", "Hannah", "Ivan", "Li", "Yusuf", "Elena",
         "Kwame", "Nadia", "Rafael", "Aiko", "Pedro", "Zeynep", "Marek", "Lucia"]
LAST = ["Kovalenko", "Petrov", "Zhang", "Tanaka", "Park", "Sharma", "Haddad", "Rahimi", "Weber", "Moreau",
        "Silva", "Okafor", "Mwangi", "Nowak", "Lindqvist", "Garcia", "Khan", "Fischer", "Sokolov", "Wang",
        "Demir", "Rossi", "Mensah", "Farouk", "Costa", "Sato", "Alvarez", "Yilmaz", "Horvat", "Bianchi"]
ROLES = ["foreign minister", "defense minister", "finance minister", "prime minister", "president",
         "central bank governor", "energy minister", "trade minister", "army chief", "opposition leader",
         "health minister", "spokesperson for the foreign ministry", "interior minister", "chief negotiator"]
ORGS = ["the United Nations", "NATO", "the European Union", "the IMF", "the World Bank", "the African Union",
        "ASEAN", "the WHO", "OPEC", "the G7", "the IAEA", "the WTO", "the Red Cross", "Amnesty International",
        "the OSCE", "the Arab League", "the UN Security Council", "the International Criminal Court"]
SUBJECTS = [  # salient term of a story, with a topic it belongs to
    ("drone strikes", "Ukraine war"), ("grain corridor", "Food security"), ("gas pipeline", "Energy"),
    ("rare earth export curbs", "Trade"), ("semiconductor tariffs", "Technology"), ("ceasefire talks", "Diplomacy"),
    ("prisoner exchange", "Human rights"), ("naval drills", "Defense"), ("debt restructuring", "Economy"),
    ("election recount", "Elections"), ("cholera outbreak", "Health"), ("border wall", "Migration"),
    ("nuclear inspections", "Nuclear weapons"), ("wildfire season", "Climate"), ("flood relief", "Climate"),
    ("lithium mine", "Mining"), ("AI chip smuggling", "Artificial intelligence"), ("hostage deal", "Middle East"),
    ("currency peg", "Economy"), ("fishing rights", "Maritime disputes"), ("oil price cap", "Sanctions"),
    ("cyberattack on the power grid", "Cybersecurity"), ("journalist detention", "Press freedom"),
    ("refugee camp closure", "Migration"), ("arms shipment", "Arms trade"), ("vaccine rollout", "Health"),
    ("coup attempt", "Coups"), ("satellite launch", "Space"), ("dam dispute", "Water"), ("port lease", "Trade"),
    ("airspace violation", "Defense"), ("wheat tariffs", "Agriculture"), ("protest crackdown", "Protests"),
    ("constitutional referendum", "Elections"), ("bank run", "Finance"), ("heatwave deaths", "Climate"),
]
TOPICS = [  # Zipf-ranked: the first are on many briefs, the last on few
    "Ukraine war", "Russia", "China", "United States", "Economy", "Diplomacy", "Defense", "Energy", "Sanctions",
    "Middle East", "Trade", "Elections", "Climate", "Technology", "Human rights", "Migration", "Health", "NATO",
    "European Union", "Finance", "Nuclear weapons", "Food security", "Artificial intelligence", "Cybersecurity",
    "Africa", "Latin America", "Asia-Pacific", "Protests", "Press freedom", "Arms trade", "Maritime disputes",
    "Mining", "Agriculture", "Water", "Space", "Coups", "Terrorism", "Corruption", "Refugees", "Inflation",
    "Labor", "Shipping", "Semiconductors", "Oil", "Gas", "Arctic", "Antarctica", "Pandemics", "Courts", "Media",
]
OUTLETS = [  # name, domain, lean, establishment, country, aliases
    ("Associated Press", "apnews.com", 3, 4, "US", ["AP"]), ("Reuters", "www.reuters.com", 3, 4, "GB", []),
    ("BBC News", "www.bbc.com", 3, 4, "GB", ["BBC"]), ("CNN", "www.cnn.com", 2, 4, "US", []),
    ("Fox News", "www.foxnews.com", 4, 3, "US", ["Fox"]), ("The Guardian", "www.theguardian.com", 2, 3, "GB", []),
    ("Al Jazeera", "www.aljazeera.com", 2, 2, "QA", []), ("France 24", "www.france24.com", 3, 4, "FR", []),
    ("Deutsche Welle", "www.dw.com", 3, 4, "DE", ["DW"]), ("NHK World", "www3.nhk.or.jp", 3, 4, "JP", []),
    ("The Kyiv Independent", "kyivindependent.com", 3, 4, "UA", []), ("TASS", "tass.com", 4, 1, "RU", []),
    ("RT", "www.rt.com", 4, 1, "RU", []), ("Global Times", "www.globaltimes.cn", 4, 1, "CN", []),
    ("Xinhua", "english.news.cn", 3, 1, "CN", []), ("The Hindu", "www.thehindu.com", 2, 3, "IN", []),
    ("Dawn", "www.dawn.com", 3, 3, "PK", []), ("Haaretz", "www.haaretz.com", 2, 3, "IL", []),
    ("The Times of Israel", "www.timesofisrael.com", 3, 4, "IL", []), ("Daily Sabah", "www.dailysabah.com", 4, 2, "TR", []),
    ("Folha de S.Paulo", "www1.folha.uol.com.br", 2, 3, "BR", ["Folha"]), ("El Pais", "english.elpais.com", 2, 4, "ES", []),
    ("The Wall Street Journal", "www.wsj.com", 4, 4, "US", ["WSJ"]), ("The New York Times", "www.nytimes.com", 2, 4, "US", ["NYT"]),
    ("The Intercept", "theintercept.com", 1, 1, "US", []), ("Breitbart", "www.breitbart.com", 5, 1, "US", []),
    ("Jacobin", "jacobin.com", 1, 1, "US", []), ("The Economist", "www.economist.com", 3, 5, "GB", []),
    ("Nikkei Asia", "asia.nikkei.com", 3, 4, "JP", []), ("Premium Times", "www.premiumtimesng.com", 3, 3, "NG", []),
]
PERSPECTIVES = ["Pro-establishment", "Establishment-critical", "Left", "Right", "Pro-West", "Pro-Russia",
                "Pro-China", "Pro-Ukraine", "Regional view", "Economic view", "Humanitarian view", "Security hawks"]
VERBS = ["said on {day} that", "told reporters on {day} that", "announced on {day} that",
         "warned in a statement on {day} that", "confirmed late on {day} that", "told lawmakers on {day} that"]
CLAIMS = [
    "{c1} would expand the {subj} near {place} within weeks, despite objections from {c2}",
    "talks with {c2} over the {subj} had stalled after officials failed to agree on a timetable",
    "about {num} people had been affected by the {subj} around {place} since the start of the month",
    "{org} would send a team to {place} to assess the {subj} and report back by the end of the quarter",
    "{c1} had spent roughly ${num} million on the {subj} this year, more than twice the earlier estimate",
    "the {subj} was a matter for {c1} alone and that outside pressure from {org} would change nothing",
    "satellite images showed new activity linked to the {subj} on the outskirts of {place}",
    "{c2} was prepared to offer guarantees on the {subj} if {c1} froze further steps for {small} months",
    "a draft agreement on the {subj} would be put to a vote at {org} as early as next week",
    "at least {small} officials had resigned over the handling of the {subj} in {place}",
]
NARRATIVE_TEXT = [
    ("The {subj} shows that {c1} is acting from weakness, not strength; {c2} should hold its line and let "
    "{org} set the terms of any settlement, or the precedent will be repeated elsewhere."),
    ("Coverage of the {subj} leaves out what ordinary people in {place} are living through. Prices, jobs and "
    "safety matter more to them than the positions leaders in {c1} and {c2} take for the cameras."),
    ("Critics of {c1} ignore the history behind the {subj}: every earlier round of pressure from {c2} made the "
    "situation worse, and {org} has never been a neutral referee in this region."),
    ("Markets have priced in a long dispute over the {subj}; the real risk is a sudden escalation around {place} "
    "that would force {org} to choose sides and leave investors exposed."),
    ("The {subj} is a test of whether {org} can still enforce its own rules. If {c1} faces no cost now, smaller "
    "states watching from {place} will draw their own conclusions."),
    ("Officials in {c2} are using the {subj} to distract from problems at home, and the loudest voices in "
    "{c1} are doing the same; a quiet deal is closer than either side admits."),
]
FORECASTERS = ["Metaculus", "Good Judgment Open", "Polymarket", "Briefs desk", "Manifold"]


@dataclass
class Story:
    """The shared salient terms of one cluster of briefs."""

    id: int
    subj: str
    topic: str
    c1: str
    c2: str
    place: str
    person: str
    role: str
    org: str
    start: date
    keyed: bool  # whether its briefs carry a `story:` key
    key: str = ""
    last: date | None = None
    slugs: list[str] = field(default_factory=list)


@dataclass
class Corpus:
    """Generated briefs (file name -> text), outlets.yaml, site.yaml and the story labels."""

    briefs: dict[str, str]
    outlets_yaml: str
    site_yaml: str
    labels: dict[str, int | None]

    def write(self, out: Path) -> None:
        content = out / "content"
        content.mkdir(parents=True, exist_ok=True)
        for name, text in self.briefs.items():
            (content / name).write_text(text, encoding="utf-8")
        (content / "outlets.yaml").write_text(self.outlets_yaml, encoding="utf-8")
        (out / "site.yaml").write_text(self.site_yaml, encoding="utf-8")
        (out / "labels.json").write_text(json.dumps(self.labels, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class _Gen:
    def __init__(self, n: int, seed: int, keyed_share: float, clustered_share: float):
        self.r = random.Random(seed)
        self.n = n
        self.keyed_share = keyed_share
        self.clustered_share = clustered_share
        self.zipf = [1 / (k + 1) ** 1.1 for k in range(len(TOPICS))]
        self.used_slugs: set[str] = set()
        self.used_keys: set[str] = set()
        self.outcomes: dict[str, str] = {}
        self.first = date(2022, 1, 3)
        self.days = 3 * 365

    def person(self) -> str:
        return f"{self.r.choice(FIRST)} {self.r.choice(LAST)}"

    def story(self, sid: int) -> Story:
        r = self.r
        subj, topic = r.choice(SUBJECTS)
        c1, c2 = r.sample(COUNTRIES, 2)
        st = Story(sid, subj, topic, c1, c2, r.choice(PLACES), self.person(), r.choice(ROLES), r.choice(ORGS),
                   self.first + timedelta(days=r.randrange(self.days - 60)), r.random() < self.keyed_share)
        if sid >= 0:
            key, k = _slugify(f"{subj} {st.place}"), 2
            while key in self.used_keys:
                key, k = _slugify(f"{subj} {st.place} {k}"), k + 1
            self.used_keys.add(key)
            st.key = key
        return st

    def plan(self) -> list[tuple[Story, bool]]:
        """One (story, clustered) per brief: clusters of 3-8 among one-off briefs, shuffled."""
        r, items, sid = self.r, [], 0
        clustered_target = round(self.n * self.clustered_share)
        while len(items) + 3 <= clustered_target:
            size = min(r.randint(3, 8), clustered_target - len(items))
            st = self.story(sid)
            items += [(st, True)] * size
            sid += 1
        while len(items) < self.n:
            items.append((self.story(-1), False))
        r.shuffle(items)
        return items

    def topics(self, st: Story) -> list[str]:
        k = self.r.randint(2, 5)
        picked = [st.topic] + self.r.choices(TOPICS, weights=self.zipf, k=k * 2)
        return list(dict.fromkeys(picked))[:k]

    def fill(self, template: str, st: Story) -> str:
        r = self.r
        return template.format(subj=st.subj, c1=st.c1, c2=st.c2, place=st.place, org=st.org,
                               num=f"{r.randint(2, 900):,}", small=r.randint(2, 12), day=r.choice(
                                   ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]))

    def brief(self, st: Story, clustered: bool, when: date, earlier: list[str]) -> tuple[str, str]:
        r = self.r
        headline = r.choice([
            "{c1} and {c2} clash over {subj}", "{org} weighs in on {subj} near {place}",
            "{person} defends {c1}'s {subj}", "New details emerge on {subj} in {place}",
            "{c2} responds to {c1}'s {subj}", "{subj} deepens rift between {c1} and {c2}",
            "What we know about the {subj} in {place}", "{person} under pressure over {subj}",
        ])
        title = headline.format(subj=st.subj, c1=st.c1, c2=st.c2, place=st.place, org=st.org, person=st.person)
        title = title[0].upper() + title[1:]
        base = _slugify(title)[:60].strip("-")
        slug, k = base, 2
        while slug in self.used_slugs:
            slug, k = f"{base}-{k}", k + 1
        n_sources = r.randint(4, 9)
        outlets = r.sample(OUTLETS, n_sources)
        sources = [f"  - name: {_q(o[0])}\n    url: https://{o[1]}/{when:%Y/%m/%d}/{slug[:40]}-{i}\n"
                   for i, o in enumerate(outlets, start=1)]
        n_facts = r.randint(5, 8)
        cites = [[] for _ in range(n_facts)]
        for s in range(1, n_sources + 1):  # every source cited at least once
            cites[(s - 1) % n_facts].append(s)
        for c in cites:
            while len(c) < r.randint(1, 2):
                c.append(r.randint(1, n_sources))
        facts = []
        for i, c in enumerate(cites):
            speaker = f"{st.person}, {st.c1}'s {st.role}," if i == 0 else r.choice(
                [st.person, self.person() + f", a {r.choice(ROLES)} of {r.choice([st.c1, st.c2])},", st.org[0].upper() + st.org[1:]])
            claim = self.fill(r.choice(CLAIMS), st)
            verb = self.fill(r.choice(VERBS), st)
            marks = "".join(f"[{n}]" for n in sorted(set(c)))
            facts.append(f"- {speaker} {verb} {claim}.{marks}")
        narratives = []
        for persp, outlet, tmpl in zip(r.sample(PERSPECTIVES, r.randint(2, 4)), r.sample(OUTLETS, 4),
                                       r.sample(NARRATIVE_TEXT, 4)):
            narratives.append(f"  - perspective: {_q(persp)}\n    outlet: {_q(outlet[0])}\n"
                              f"    text: {_q(self.fill(tmpl, st))}\n")
        predictions = []
        for tmpl in r.sample(["{c1} will end the {subj} before the deadline",
                              "{org} will adopt a resolution on the {subj}",
                              "{c2} will impose new measures over the {subj}"], r.choice([0, 0, 1, 1, 2, 3])):
            if r.random() < 0.15:  # a long-range forecast, still open
                by, outcome = date(r.randint(2030, 2035), 12, 31), "null"
            else:  # resolved: the archive's deadlines have all passed
                by, outcome = when + timedelta(days=r.randint(30, 365)), r.choice(["true", "false"])
            claim = self.fill(tmpl, st)
            if outcome != "null":  # one question resolves one way in every brief that asks it
                outcome = self.outcomes.setdefault(claim, outcome)
            claim = claim[0].upper() + claim[1:]
            predictions.append(f"  - claim: {_q(claim)}\n    probability: {r.randint(5, 95) / 100}\n"
                               f"    by: {by.isoformat()}\n    source: {r.choice(FORECASTERS)}\n"
                               f"    outcome: {outcome}\n")
        summary = self.fill(r.choice([
            "{c1} and {c2} traded accusations over the {subj}, as {org} called for restraint around {place}.",
            "The {subj} near {place} drew new reactions from {c2} and {org} this week.",
            "Officials in {c1} defended the {subj}, while critics in {c2} warned of wider fallout.",
        ]), st)
        fm = [f"title: {_q(title)}", f"date: {when.isoformat()}", f"summary: {_q(summary)}",
              f"topics: [{', '.join(_q(t) for t in self.topics(st))}]"]
        if clustered and st.keyed:
            fm.append(f"story: {st.key}")
        if earlier and r.random() < 0.3:
            fm.append(f"related: [{earlier[-1]}]")
        fm.append("sources:\n" + "".join(sources).rstrip("\n"))
        fm.append("narratives:\n" + "".join(narratives).rstrip("\n"))
        if predictions:
            fm.append("predictions:\n" + "".join(predictions).rstrip("\n"))
        if r.random() < 0.05:
            fix = when + timedelta(days=1)
            fm.append(f"corrections:\n  - date: {fix.isoformat()}\n    text: {_q('An earlier version misspelled the name of ' + st.place + '.')}")
        text = "---\n" + "\n".join(fm) + "\n---\n\n## Facts\n\n" + "\n".join(facts) + "\n"
        return slug, text

    def sized_brief(self, st: Story, clustered: bool, when: date, earlier: list[str]) -> tuple[str, str]:
        """A brief of 2-4 KB: draw again (deterministically) until one fits."""
        for _ in range(50):
            slug, text = self.brief(st, clustered, when, earlier)
            if 2048 <= len(text.encode("utf-8")) <= 4096:
                break
        self.used_slugs.add(slug)
        return slug, text


def generate(n: int, seed: int = 1, keyed_share: float = 0.5, clustered_share: float = 0.4) -> Corpus:
    """N briefs; about `clustered_share` of them in stories of 3-8, `keyed_share` of stories with a story: key."""
    g = _Gen(n, seed, keyed_share, clustered_share)
    plan = g.plan()
    briefs: dict[str, str] = {}
    labels: dict[str, int | None] = {}
    for st, clustered in plan:
        if clustered:
            when = st.last + timedelta(days=g.r.randint(1, 6)) if st.last else st.start
            st.last = when
        else:
            when = g.first + timedelta(days=g.r.randrange(g.days))
        slug, text = g.sized_brief(st, clustered, when, st.slugs if clustered else [])
        if clustered:
            st.slugs.append(slug)
        briefs[f"{slug}.md"] = text
        labels[slug] = st.id if clustered else None
    outlets = "".join(
        f"- name: {_q(name)}\n" + (f"  aliases: [{', '.join(_q(a) for a in aliases)}]\n" if aliases else "")
        + f"  url: https://{domain}\n  lean: {lean}\n  establishment: {est}\n  country: {country}\n  paywall: false\n\n"
        for name, domain, lean, est, country, aliases in OUTLETS)
    site = ("title: World Briefs\ndescription: Balanced briefs on world news, every source numbered.\n"
            "base_url: /\nlanguage: en\ntimezone: UTC\ntheme: default\n")
    return Corpus(dict(sorted(briefs.items())), "# Outlets cited by the briefs.\n" + outlets, site, labels)


def brief_texts(n: int, seed: int = 1) -> dict[str, str]:
    """Just the briefs: file name -> text."""
    return generate(n, seed).briefs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="corpus.py", description="Write a seeded corpus of N realistic briefs into OUTDIR.")
    p.add_argument("n", type=int, help="number of briefs")
    p.add_argument("outdir", type=Path)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keyed", type=float, default=0.5, help="share of story clusters whose briefs carry story:")
    p.add_argument("--clustered", type=float, default=0.4, help="share of briefs that belong to a story cluster")
    args = p.parse_args(argv)
    if args.n < 1:
        p.error(f"argument n: {args.n} is not a whole number of at least 1")
    for name in ("keyed", "clustered"):  # a share over 1 made more briefs than asked for
        if not 0 <= getattr(args, name) <= 1:
            p.error(f"argument --{name}: {getattr(args, name)} is not a share between 0 and 1")
    held = sorted((args.outdir / "content").glob("*.md"))
    if held:  # they would stay, unlabelled, among the new briefs
        p.error(f"{args.outdir / 'content'} already holds {len(held)} briefs, which would be mixed in with the new "
                "ones (give an empty or new OUTDIR)")
    corpus = generate(args.n, args.seed, args.keyed, args.clustered)
    corpus.write(args.outdir)
    print(f"wrote {len(corpus.briefs)} briefs to {args.outdir / 'content'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
