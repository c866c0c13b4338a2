"""What a free-text message tells us: region, identities, dates, history, tier, intent.

Deterministic and explainable: aliases come from the policy data (regions, identity registry,
labels as the notices print them); longer aliases win over the shorter ones they contain
(低保边缘户 before 低保). Nothing here talks to the user.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from functools import cache

from dialogs.understanding.dates import DateMention, DateProblem, find_dates
from dialogs.understanding.numerals import (
    CHINESE_DIGITS,
    find_year_counts,
    normalize_width,
    parse_chinese_int,
)
from policies.catalog import Catalog, normalise_name, to_simplified
from policies.periods import add_months


class Intent(StrEnum):
    HELP = "help"
    BACK = "back"
    RESTART = "restart"
    TABLE = "table"
    COMPARE = "compare"
    SOURCES = "sources"
    LANGUAGE = "language"
    FAQ_REGISTER = "faq_register"
    FAQ_REFUND = "faq_refund"
    FAQ_CHANNELS = "faq_channels"
    FAQ_CONTACTS = "faq_contacts"


# Order matters: the first matching intent wins.
_INTENT_PATTERNS: tuple[tuple[Intent, re.Pattern[str]], ...] = tuple(
    (intent, re.compile(pattern, re.IGNORECASE))
    for intent, pattern in (
        (
            Intent.RESTART,
            r"^(重新开始|重新來|重新开始吧|重来|重來|从头|從頭|restart|start over|reset)$",
        ),
        (Intent.BACK, r"^(返回|上一步|后退|back|go back|undo)$"),
        (Intent.HELP, r"^(帮助|幫助|怎么用|怎麼用|help|\?|？|菜单|菜單|menu)$"),
        (Intent.LANGUAGE, r"^(语言|語言|language|切换语言|english|简体|繁體|繁体)$"),
        (Intent.TABLE, r"(一览表|一覽表|对照表|對照表|资助标准表|全部身份|\btable\b)"),
        (Intent.COMPARE, r"(对比|對比|比较|比較|各地|\bcompare\b)"),
        (Intent.SOURCES, r"(政策来源|政策來源|哪些文件|依据文件|文件依据|\bsources\b)"),
        (Intent.FAQ_REFUND, r"(退费|退費|退款|退钱|\brefund)"),
        (
            Intent.FAQ_REGISTER,
            r"(怎么登记|怎麼登記|参保登记|參保登記|首次参保|第一次参保|\bregist)",
        ),
        (
            Intent.FAQ_CHANNELS,
            r"(在哪交|在哪里交|在哪缴|怎么交|怎麼交|缴费渠道|繳費渠道|where to pay|how to pay)",
        ),
        (Intent.FAQ_CONTACTS, r"(电话|電話|热线|熱線|联系方式|聯繫方式|hotline|phone)"),
    )
)

_BIRTH_AFTER = re.compile(r"^\s*(出生|生的|生日|出世|降生|born)", re.IGNORECASE)
# A correction verb may stand between the fact's name and the date: "出生日期改成3月10日".
_SET_TO = r"(?:应该是|应是|其实是|改成|改为|改到|换成|是|为)"
_BIRTH_BEFORE = re.compile(
    rf"(出生于|出生於|出生在|生于|生於|(?:出生日期|出生日|生日|出生)\s*{_SET_TO}|出生日期|生日|"
    r"born( on)?|(birth ?date|birthday|date of birth)( is| to| should be)?)\s*$",
    re.IGNORECASE,
)
_PAY_NEAR = re.compile(r"(交|缴|繳|付|pay)", re.IGNORECASE)
_PAY_BEFORE = re.compile(
    rf"((?:交|缴|付)费?(?:日期|时间|日子)\s*{_SET_TO}?|"
    r"(payment date|paying date|date of payment)( is| to| should be)?)\s*$",
    re.IGNORECASE,
)
_NAME_WINDOW = 20  # characters before a date that may name it ("change the birth date to")
_LAPSE_NEAR = re.compile(
    r"(断|斷|没交|沒交|没缴|沒繳|未交|未缴|未繳|没参保|沒參保|停保|lapse|not insured|"
    r"didn'?t pay|did not pay|haven'?t paid|have not paid|not paid|unpaid|uninsured|"
    r"没有交|沒有交|停了|停交|停缴|没续|未续|没有续|没买|没参加|未参加|漏交|漏缴)",
    re.IGNORECASE,
)
_ENGLISH_WINDOW = 24  # "I did not pay for 2 years": English puts more letters before a count
# "补2年" says back-payment as plainly as "补缴2年" (not 补助/补贴: a subsidy).
_REPAIR_NEAR = re.compile(
    r"(补缴|補繳|补交|補交|补(?![助贴充])|補(?![助貼充])|back-?pay|repay)", re.IGNORECASE
)
# "不补缴", "no back-payment": the back-payment question answered with no count (0 years).
_NO_REPAIR = re.compile(
    r"(不(打算|准备|想)?(补缴|补交)|没有?(补缴|补交)|无需?(补缴|补交)|"
    r"\bno back-?pay(ment)?\b|\bnot back-?pay|\bwon'?t back-?pay|\bwithout back-?pay)",
    re.IGNORECASE,
)
_INSURED_YES = re.compile(
    r"(去年(也|有|已经|已經)?(交|缴|繳|参保|參保)了?|一直(在)?(交|缴|繳)|连续|連續|"
    r"insured last year|continuous)",
    re.IGNORECASE,
)
_INSURED_NO = re.compile(
    r"(去年(没|沒|未)|断保|斷保|断缴|斷繳|从没|從沒|第一次|首次|新参保|"
    r"never insured|not insured|lapsed)",
    re.IGNORECASE,
)
_TIER = re.compile(
    r"(一档|一檔|1档|1檔|第一档|tier\s*1|二档|二檔|2档|2檔|第二档|tier\s*2)", re.IGNORECASE
)
_ORDINARY = re.compile(
    r"(普通(城乡)?居民|普通(人|群众|老百姓|的)?(?!档|檔)|老百姓|一般(人|居民)|没有(特殊)?身份|"
    r"沒有(特殊)?身份|都不是|不是|无特殊|"
    r"ordinary|none of these|no special)",
    re.IGNORECASE,
)
_YES = re.compile(r"^(是|是的|对|對|有|交了|缴了|yes|y|yeah|yep|嗯)$", re.IGNORECASE)
_NO = re.compile(r"^(否|不是|没有|沒有|没|沒|没交|沒交|no|n|nope|不)$", re.IGNORECASE)
_NUMBER = re.compile(r"^\s*(\d{1,2})\s*$")
# "不对，是…", "说错了", "I meant…": the facts in this message replace the ones they name.
_CORRECTION = re.compile(
    r"(不对|不是.{0,12}而?是|错了|搞错|说错|写错|输错|打错|更正|纠正|改为|改成|换成|应该是|其实是|"
    r"\bno\b|\bwrong\b|\bactually\b|\bi meant\b|\bcorrection\b|\binstead\b)",
    re.IGNORECASE,
)
# "还有脱贫户", "也是…": the identities are added to those already given.
_ADDITIVE = re.compile(
    r"(还有|也是|也有|另外|同时|并且|以及|而且|\balso\b|\btoo\b|\bas well\b)",
    re.IGNORECASE,
)
# "什么是低保边缘家庭？", "低保户是什么意思": a question about a term, not a statement.
_TERM_QUESTION = re.compile(
    r"(什么是|什么叫|啥是|啥叫|何为|何谓|是什么|是啥|什么意思|啥意思|指什么|指的是什么|"
    r"包括哪些|包括什么|怎么认定|如何认定|认定标准|定义|"
    r"\bwhat\s+is\b|\bwhat's\b|\bwhat\s+are\b|\bwhat\s+does\b|\bmeaning\b|\bdefine\b|"
    r"\bdefinition\b)",
    re.IGNORECASE,
)
# Just before an identity: "不是低保户", "并非…", "not dibao".
_NEGATION = re.compile(
    r"(不是|不在|不算|并非|并不是|不属于|没有|非|\bnot|\bno longer)\s*$", re.IGNORECASE
)
# "交2026年的", "2026年度", "补缴2025年的医保", "for the 2025 insurance year": the insurance year
# paid for (a date is never one: "2026年1月5日" has a month after the year).
_INSURANCE_YEAR = re.compile(
    r"(?:((?:19|20|21)\d\d)\s*年度"
    r"|(?:交|缴|补交|补缴|付)\s*((?:19|20|21)\d\d)\s*年的"
    r"|((?:19|20|21)\d\d)\s*年的(?:医保|居民医保|保费|费)"
    r"|\bfor\s+(?:the\s+)?((?:19|20|21)\d\d)\b(?!-)"
    r"|\binsurance\s+year\s+((?:19|20|21)\d\d)\b)",
    re.IGNORECASE,
)
# "2023年和2024年都没交", "23年、24年都没交", "去年和前年都没交": the calendar years not paid,
# before the word saying so. Their numbers are years, never counts ("24年没交" is 2024).
_YEAR_ITEM = r"(?:(?:19|20)\d{2}|\d{2})\s*年度?|大前年|前年|去年|今年"
_UNPAID_YEARS = re.compile(
    rf"(?:{_YEAR_ITEM})(?:\s*(?:和|与|跟|及|以及|还有|、|,|/)?\s*(?:{_YEAR_ITEM}))*"
    r"(?=\s*(?:的(?:医保|居民医保|保费|费用?)?)?\s*(?:都|也|均|全|一直|还)?\s*"
    r"(?:没|沒|未|断|斷|停))"
)
# Several people in one message ("我家三口人", "我老婆是低保，我是低保边缘户", "我和孩子"):
# the calculator answers for one person, and identities of different people never merge.
_KIN = (
    r"(?:老婆|老公|老伴|爱人|媳妇|妻子|丈夫|孩子|小孩|儿子|女儿|闺女|宝宝|爸爸|妈妈|爸|妈|父亲|"
    r"母亲|父母|爷爷|奶奶|姥姥|姥爷|外公|外婆|公公|婆婆|岳父|岳母|哥哥|姐姐|弟弟|妹妹)"
)
_SEVERAL_PEOPLE = re.compile(
    r"(?:[两俩二三四五六七八九十\d]+口人|[两俩二三四五六七八九十\d]+个人|全家|一家[人子]|家里人|"
    r"我们(?:俩|两个|几个|[二三四五六七八九\d]个)|"
    rf"我(?:和|跟|与|还有)(?:我的?)?{_KIN}|{_KIN}(?:和|跟|与|还有)(?:我|{_KIN}))"
)
_SUBJECT_IS = re.compile(rf"(?<![家的])(我|{_KIN})(?:也|都|还)?是")
# Between two days: a range or a choice of days ("到", "至", "-", "或者", "to", "or").
_RANGE_JOIN = re.compile(
    r"\s*(?:到|至|~|～|-|–|—|－|或者?|或是|还是|\bto\b|\bor\b|\buntil\b)\s*", re.IGNORECASE
)
_RELATIVE_YEARS = {"大前年": -3, "前年": -2, "去年": -1, "今年": 0}
_WINDOW = 8  # characters around a mention that decide what it is about
# A place we have no notice for: a name ending in an administrative unit ("北京朝阳区").
_PLACE = re.compile(r"((?:[\u4e00-\u9fff]{2,12}?(?:省|市|区|县|旗|盟|州|乡|镇))+)")
_PLACE_FILLER = re.compile(r"^(我是|我在|我家在|我家|家在|住在|在|是|来自|我们)+")


@dataclass
class MessageFacts:
    region: str | None = None
    identities: list[str] = field(default_factory=list)
    ordinary: bool = False
    birth_date: DateMention | None = None
    payment_date: DateMention | None = None
    other_dates: list[DateMention] = field(default_factory=list)
    date_problems: list[DateMention] = field(default_factory=list)
    insured_last_year: bool | None = None
    lapsed_years: int | None = None
    repaid_years: int | None = None
    bare_number: int | None = None
    yes: bool | None = None
    tier: int | None = None
    insurance_year: int | None = None  # "交2026年的", "2026年度"
    intent: Intent | None = None
    correction: bool = False  # the message corrects earlier facts ("不对，是…")
    additive: bool = False  # identities add to the earlier ones ("还有…")
    negated: list[str] = field(default_factory=list)  # "不是低保户": identities to remove
    asked_about: list[str] = field(default_factory=list)  # "什么是低保边缘家庭？"
    partial: list[str] = field(default_factory=list)  # half words ("低保边"), never facts
    place: str | None = None  # a place name we have no notice for ("北京朝阳区")
    near_region: str | None = None  # the region that place is one character off ("双青区")
    # "残疾人" with no grade the registry can place (0), or a grade no group is named by
    # (3, 4: "三级残疾"): the notices subsidise grades 1–2 (and 科左后旗 minors holding a
    # certificate), so the grade is asked, never assumed.
    disability_grade: int | None = None
    # The days a birth lies between, from an age ("65岁", "我今年65了": on today) or a year
    # ("1960年出生", "60年生的"); `bare_year` is a year typed alone ("1960年"), a birth year
    # only where the birth date was asked.
    birth_range: tuple[date, date] | None = None
    bare_year: int | None = None
    # Several people in the message: "kept" (one identity, taken), "dropped" (identities of
    # different people, not taken: the dialog asks for one person's), None (one person).
    several_people: str | None = None

    def anything(self) -> bool:
        return any(
            (
                self.region,
                self.identities,
                self.ordinary,
                self.birth_date,
                self.birth_range,
                self.bare_year,
                self.payment_date,
                self.other_dates,
                self.date_problems,
                self.insured_last_year is not None,
                self.lapsed_years is not None,
                self.repaid_years is not None,
                self.bare_number is not None,
                self.yes is not None,
                self.tier,
                self.insurance_year,
                self.intent,
            )
        )


@dataclass(frozen=True)
class _Lexicon:
    regions: tuple[tuple[str, str], ...]  # (normalised alias, slug), longest first
    identities: tuple[tuple[str, str], ...]


@cache
def _lexicon(catalog: Catalog) -> _Lexicon:
    regions = {
        normalise_name(name): slug
        for slug, names in catalog.region_labels().items()
        for name in names
        if len(normalise_name(name)) >= 2
    }
    identities = {alias: code for alias, code in catalog.identity_names.items() if len(alias) >= 2}
    return _Lexicon(
        regions=tuple(sorted(regions.items(), key=lambda kv: -len(kv[0]))),
        identities=tuple(sorted(identities.items(), key=lambda kv: -len(kv[0]))),
    )


def _take(text: str, table: tuple[tuple[str, str], ...]) -> tuple[list[str], str]:
    """Codes whose aliases occur in `text`, longest first; matched text is blanked out."""
    found, rest = _take_at(text, table)
    return list(dict.fromkeys(code for code, _ in found)), rest


def _take_at(text: str, table: tuple[tuple[str, str], ...]) -> tuple[list[tuple[str, int]], str]:
    """(code, position) of every alias occurrence, longest aliases first; matched text is
    blanked out so a shorter alias inside a longer one does not match again."""
    found: list[tuple[str, int]] = []
    for alias, code in table:
        start = text.find(alias)
        while start >= 0:
            found.append((code, start))
            text = text[:start] + "\0" * len(alias) + text[start + len(alias) :]
            start = text.find(alias, start + len(alias))
    return found, text


def _half_word(text: str, start: int, code: str, table: tuple[tuple[str, str], ...]) -> str | None:
    """The typed fragment, when the alias found at `start` is followed by the beginning, but
    not the whole, of a longer alias meaning something else ("低保边" is not 低保)."""
    matched = max((len(a) for a, c in table if c == code and text.startswith(a, start)), default=0)
    for alias, other in table:
        if other == code or len(alias) <= matched:
            continue
        typed = 0
        while (
            typed < len(alias) and start + typed < len(text) and text[start + typed] == alias[typed]
        ):
            typed += 1
        if matched < typed < len(alias):
            return text[start : start + typed]
    return None


# "刚生了孩子", "孩子刚出生", "宝宝才出生": a newborn whose birth date is still to be asked
# (the time limits count from the birth: 科左后旗 三 "新生儿出生后 90 天（含 90 天）内").
_BABY = r"(?:孩子|小孩|宝宝|婴儿|娃娃|娃|闺女|儿子|女儿)"
_JUST_BORN = re.compile(
    rf"(?:刚刚|刚|才)(?:生了|生完|生下|出生)(?:的|了)?(?:一个)?{_BABY}?"
    rf"|{_BABY}(?:刚刚|刚|才)(?:出生|生下来|生)(?:的|了)?"
)

# Everyday words for a group the notices name in their own terms, rewritten to the registry's
# name before matching: "新入学的大学生" (双清 三(四)2's 新入学大中专院校学生), a grade-one or
# grade-two disability (丰都 五(二) "城乡重度（一、二级）残疾人员", 科左后旗 "伤残程度 1-2 级").
# Each rewrite keeps the text's length, so positions stay those of the message.
_EVERYDAY = (
    (re.compile(r"(?:新入学|刚入学)的?(?=大学生|大中专)"), "新入学"),
    (
        re.compile(
            r"(?:[一二12]级(?:的)?(?:残疾|伤残)(?:人员?|证)?"
            r"|(?:残疾|伤残)(?:人|证)?[，,、\s]*(?:等级)?(?:是|为)?[一二12]级"
            # folded text has no spaces: "grade 2 disability" is "grade2disability"
            r"|grade(?:1|2|one|two)(?![0-9])(?:disab(?:led|ility))?)"
        ),
        "重度残疾",
    ),
    (_JUST_BORN, "新生儿"),
)


# "出生20天了", "宝宝二十天了", "生下来20天": a baby that many days old was born that many days
# before today. Not "20多天", "快20天" (no day), "孩子20天内交" (a time limit), nor months
# (the 90 days need the day).
_DAYS_OLD = re.compile(
    rf"(?:出生|生下来|生了|落地|{_BABY})(?:了|才|刚刚|刚|已经|已)?\s*"
    rf"(?P<n>[0-9]{{1,3}}|[{''.join(CHINESE_DIGITS)}十百]{{1,5}})\s*天(?!\s*(?:内|以内|之内|后|以后|之后))"
    r"|(?<!about )(?<!over )(?<!almost )(?<![0-9])(?P<en>[0-9]{1,3})\s*days?[ -]old\b",
    re.IGNORECASE,
)


_CN_NUMBER = f"[{''.join(CHINESE_DIGITS)}十百]"
# "65岁", "六十五周岁", "今年65了", "虚岁66": an age today. Not "65岁以上", "60多岁", "六十来岁"
# (no exact age), nor a number that continues a longer one.
_AGE = re.compile(
    # "快60岁", "年满60岁", "不到18岁", "大概65岁" are no exact age either.
    rf"(?<![0-9{''.join(CHINESE_DIGITS)}十百第快近满过到约概])"
    rf"(?:虚岁\s*(?P<v>[0-9]{{1,3}}|{_CN_NUMBER}{{1,5}})\s*岁?"
    rf"|(?P<n>[0-9]{{1,3}}|{_CN_NUMBER}{{1,5}})\s*(?:周岁|岁)"
    r"(?!\s*(?:以上|以下|多|左右|半|前|后|来|出头))"
    rf"|今年\s*(?P<m>[0-9]{{1,3}}|{_CN_NUMBER}{{1,5}})\s*(?:周岁|岁)?\s*了"
    rf"|今年\s*(?P<k>[0-9]{{2,3}}|{_CN_NUMBER}{{2,5}})\s*(?:周岁|岁)?\s*$"
    # "65 years old", "aged 65", "I'm 65" (then nothing, a stop, or "now"), not "about 65
    # years old", "over 60 years old", "I'm 65 yuan short".
    r"|(?<!about )(?<!over )(?<!under )(?<!almost )(?<!nearly )(?<![0-9])"
    r"(?P<e>[0-9]{1,3})\s*(?:years?|yrs?)[ -]old\b"
    r"|\baged\s+(?P<a>[0-9]{1,3})\b"
    r"|\bI'?m\s+(?P<i>[0-9]{1,3})(?=\s*(?:$|[,.;!?，。]|now\b|this year\b)))",
    re.IGNORECASE,
)


def _full_years(said: str, before: str, years: int) -> tuple[int, int]:
    """The ages in full years (周岁, what the notices count) an age said today may be.

    Only "周岁" is exact. A plain "岁" may be 虚岁, the traditional count many older residents
    use (one at birth, one more each Spring Festival): one or two more than 周岁. So "60岁" is
    58 to 60 full years and leaves a "60 周岁以上" subsidy to the birth date, while "65岁" is
    63 to 65 and settles it; "虚岁61" is 59 or 60."""
    if "周岁" in said:
        return years, years
    if said.startswith("虚岁") or before.endswith("虚岁"):
        return max(0, years - 2), max(0, years - 1)
    return max(0, years - 2), years


# "1960年出生", "60年生的", "1960年生人": the birth year (not "1960年3月1日出生": a date).
_BIRTH_YEAR = re.compile(
    r"(?<![0-9])(?P<y>(?:19|20)[0-9]{2}|[0-9]{2})\s*年\s*(?:出生|生人|生的|生)"
    r"|\bborn\s+in\s+(?P<en>(?:19|20)[0-9]{2})\b(?!\s*[-/.][0-9])",
    re.IGNORECASE,
)
# Two bare digits ("65") are as likely an age as a year: only "65年" or four digits are a year.
_BARE_YEAR = re.compile(r"^\s*(?:(?P<y>(?:19|20)[0-9]{2})\s*年?|(?P<s>[0-9]{2})\s*年)\s*$")


def _full_year(raw: str, today: date) -> int:
    """A two-digit year as dates read it: this century unless still to come ("60年" 1960)."""
    year = int(raw)
    if len(raw) == 2:
        year += 2000 if 2000 + year <= today.year + 1 else 1900
    return year


def _birth_range(plain: str, compact: str, today: date, facts: MessageFacts) -> None:
    if facts.birth_date is not None:
        return
    age = _AGE.search(plain)
    if age is not None:
        said = next(g for g in age.group("v", "n", "m", "k", "e", "a", "i") if g)
        years = parse_chinese_int(said)
        if years is not None and years <= 120:
            english = any(age.group(g) for g in ("e", "a", "i"))  # years old: full years
            youngest, oldest = (years, years) if english else _full_years(
                age.group(0), plain[:age.start()], years)
            # N full years today: born after this day N + 1 years ago, by this day N years ago.
            latest = add_months(today, -12 * youngest)
            earliest = add_months(today, -12 * (oldest + 1)) + timedelta(days=1)
            facts.birth_range = (earliest, latest)
            return
    born = _BIRTH_YEAR.search(plain)
    if born is not None:
        year = _full_year(born.group("y") or born.group("en"), today)
        if 1900 <= year <= today.year:
            facts.birth_range = (date(year, 1, 1), min(date(year, 12, 31), today))
            return
    bare = _BARE_YEAR.match(compact)
    if bare is not None:
        year = _full_year(bare.group("y") or bare.group("s"), today)
        if 1900 <= year <= today.year:
            facts.bare_year = year


def _days_old(plain: str, today: date, facts: MessageFacts) -> None:
    if facts.birth_date is not None:
        return
    match = _DAYS_OLD.search(plain)
    if match is None:
        return
    days = parse_chinese_int(match.group("n") or match.group("en"))
    if days is None or days > 366:
        return
    facts.birth_date = DateMention(
        value=today - timedelta(days=days),
        problem=None,
        year_inferred=False,
        relative=True,
        start=match.start(),
        end=match.end(),
        text=match.group(0),
    )


def _everyday(folded: str) -> str:
    # Every match is at least as long as its name: padded in front, the name still touches
    # the word after it ("新入学大学生").
    for pattern, name in _EVERYDAY:

        def padded(match: re.Match[str], name: str = name) -> str:
            return name.rjust(len(match.group(0)))

        folded = pattern.sub(padded, folded)
    return folded


# A grade that no identity stands for ("三级残疾", "残疾等级是四级"), and the word left over
# once the identities are taken ("残疾人", "残疾证", "伤残").
_LOW_GRADE = re.compile(
    r"(?:([三四34])级(?:的)?(?:残疾|伤残)|(?:残疾|伤残)(?:人|证)?[，,、\s]*(?:等级)?(?:是|为)?([三四34])级"
    r"|grade([34]|three|four)(?![0-9]))",
    re.IGNORECASE,
)
_DISABILITY = re.compile(r"(残疾|伤残|残障|disab(?:led|ility))", re.IGNORECASE)


def _disability(rest: str, facts: MessageFacts) -> None:
    if {"severe_disability", "disabled_minor"} & set(facts.identities):
        return
    grade = _LOW_GRADE.search(rest)
    if grade is not None:
        said = next(g for g in grade.groups() if g).lower()
        facts.disability_grade = {"三": 3, "3": 3, "three": 3, "四": 4, "4": 4, "four": 4}[said]
    elif _DISABILITY.search(rest):
        facts.disability_grade = 0


def _identities(folded: str, table: tuple[tuple[str, str], ...], facts: MessageFacts) -> str:
    """Affirmed, negated and half-typed identities; returns the text with matches blanked."""
    folded = _everyday(folded)
    found, rest = _take_at(folded, table)
    for code, start in sorted(found, key=lambda cs: cs[1]):
        fragment = _half_word(folded, start, code, table)
        if fragment is not None:
            if fragment not in facts.partial:
                facts.partial.append(fragment)
        elif _NEGATION.search(folded[max(0, start - 6) : start]):
            if code not in facts.negated:
                facts.negated.append(code)
        elif code not in facts.identities:
            facts.identities.append(code)
    facts.negated = [c for c in facts.negated if c not in facts.identities]
    return rest


def _ranges(text: str, valid: list[DateMention]) -> tuple[list[DateMention], list[DateMention]]:
    """Pairs of days joined as a range or a choice ("2月25日到3月5日", "今天或明天") become one
    RANGE problem: the amount and the dates can differ from one day to the other, so the
    person is asked for the day instead of being answered for one end."""
    single: list[DateMention] = []
    ranges: list[DateMention] = []
    for mention in valid:
        if single and _RANGE_JOIN.fullmatch(text[single[-1].end : mention.start]):
            first = single.pop()
            ranges.append(
                replace(
                    first,
                    value=None,
                    problem=DateProblem.RANGE,
                    end=mention.end,
                    text=text[first.start : mention.end],
                )
            )
        else:
            single.append(mention)
    return single, ranges


def _classify_dates(text: str, mentions: list[DateMention], facts: MessageFacts) -> None:
    valid, ranges = _ranges(text, [m for m in mentions if m.value is not None])
    facts.date_problems = [*ranges, *(m for m in mentions if m.problem is not None)]
    for mention in valid:
        after = text[mention.end : mention.end + _WINDOW]
        before = text[max(0, mention.start - _WINDOW) : mention.start]
        named = text[max(0, mention.start - _NAME_WINDOW) : mention.start]
        if facts.birth_date is None and (
            _BIRTH_AFTER.search(after) or _BIRTH_BEFORE.search(named)
        ):
            facts.birth_date = mention
        elif facts.payment_date is None and (
            _PAY_NEAR.search(after[:4]) or _PAY_NEAR.search(before[-4:])
            or _PAY_BEFORE.search(named)
        ):
            facts.payment_date = mention
        else:
            facts.other_dates.append(mention)


def _unpaid_years(
    text: str, today: date, facts: MessageFacts
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Calendar years said to be unpaid. Returns the spans of all of them (years, never
    counts of years: "25年没交") and of the past ones (no insurance year asked for, unlike
    "2025年的医保还没交" in November 2025).

    Two or more years before this one that run without a gap are that many lapsed years. A
    single year ("去年没交", "24年没交": perhaps earlier ones too) or a list with a gap says
    only that the person lapsed: the count is then asked, never guessed."""
    spans: list[tuple[int, int]] = []
    past_spans: list[tuple[int, int]] = []
    for match in _UNPAID_YEARS.finditer(text):
        spans.append(match.span())
        items = re.findall(_YEAR_ITEM, match.group(0))
        years: set[int] = set()
        for item in items:
            digits = re.match(r"\d+", item)
            if digits is None:
                years.add(today.year + _RELATIVE_YEARS[item])
            elif len(digits.group(0)) == 4:
                years.add(int(digits.group(0)))
            else:
                years.add(2000 + int(digits.group(0)))
        # This year's contribution not yet paid is the one being paid now, not a lapse.
        past = sorted(y for y in years if y < today.year)
        if not past:
            continue
        past_spans.append(match.span())
        facts.insured_last_year = False
        if len(past) > 1 and past[-1] - past[0] == len(past) - 1:
            facts.lapsed_years = max(facts.lapsed_years or 0, len(past))
    return spans, past_spans


def _history(text: str, today: date, facts: MessageFacts) -> list[tuple[int, int]]:
    """The insurance history the text states; returns the spans of past unpaid years."""
    unpaid, past = _unpaid_years(text, today, facts)
    previous_end = 0
    for count, start, end in find_year_counts(text):
        if any(s <= start < e for s, e in unpaid):
            continue
        # The words before a count bind tighter than those after it: "断保两年，补缴一年";
        # and they are its own, not the count before it ("断了3年了，补2年": the 断 is 3's).
        reach = _ENGLISH_WINDOW if text[start:end].isascii() else _WINDOW
        before = text[max(0, start - reach, previous_end) : start]
        previous_end = end
        after = text[end : end + 4]
        for context in (before, after):
            if _REPAIR_NEAR.search(context):
                facts.repaid_years = count
                break
            if _LAPSE_NEAR.search(context):
                facts.lapsed_years = count
                break
    if facts.repaid_years is None and _NO_REPAIR.search(text):
        facts.repaid_years = 0
    if facts.lapsed_years or _INSURED_NO.search(text):
        facts.insured_last_year = False
    elif facts.insured_last_year is None and _INSURED_YES.search(text):
        facts.insured_last_year = True
    return past


def _several_people(plain: str, facts: MessageFacts) -> None:
    """Several people in one message: one group is taken (everyone said to hold it), several
    are not, nor a birth date (whose?): the dialog asks for one person at a time."""
    subjects = {m.group(1) for m in _SUBJECT_IS.finditer(plain)}
    # "我是低保户，孩子3月1号出生": the speaker and a relative are two people.
    kin_too = "我" in subjects and re.search(_KIN, plain) is not None
    if not (_SEVERAL_PEOPLE.search(plain) or len(subjects) > 1 or kin_too):
        return
    facts.birth_range = None  # whose age? asked with the birth date, one person at a time
    if len(facts.identities) <= 1:
        facts.several_people = "kept"
        return
    facts.several_people = "dropped"
    facts.identities = []
    facts.birth_date = None
    facts.birth_range = None
    facts.ordinary = False


def _near_region(place: str, table: tuple[tuple[str, str], ...]) -> str | None:
    """The one region whose name, as the notice prints it with its unit (双清区, 昌图县), the
    place's end differs from in one character, never the unit ("双青区" → 双清区; "双流区"
    too: asked, never taken). Shorter names are left out: one of two characters is too
    little to go on ("丰台" is not 丰都)."""
    folded = normalise_name(place)
    near = {
        slug
        for alias, slug in table
        if len(alias) >= 3
        and alias[-1] in "省市区县旗盟州乡镇"
        and folded.endswith(alias[-1])
        and len(folded) >= len(alias)
        and sum(a != b for a, b in zip(alias, folded[-len(alias) :], strict=True)) == 1
    }
    return near.pop() if len(near) == 1 else None


def understand(text: str, today: date, catalog: Catalog) -> MessageFacts:
    """Every fact the message states, with no regard to which question was asked."""
    facts = MessageFacts()
    plain = to_simplified(normalize_width(text)).strip()
    if not plain:
        return facts
    compact = plain.strip(" 。.!！")
    for intent, pattern in _INTENT_PATTERNS:
        if pattern.search(compact):
            facts.intent = intent
            break
    lexicon = _lexicon(catalog)
    folded = normalise_name(plain)
    rest = _identities(folded, lexicon.identities, facts)
    _disability(rest, facts)
    found_regions, rest = _take_at(rest, lexicon.regions)
    # "不是昌图，是双清": a region after a negation is the one being corrected away, and its
    # negation says nothing about the person ("不是" alone would mean "none of these").
    not_ordinary = folded
    affirmed: list[str] = []
    for code, start in sorted(found_regions, key=lambda cs: cs[1]):
        negation = _NEGATION.search(folded[max(0, start - 6) : start])
        if negation is None:
            affirmed.append(code)
            continue
        begin = max(0, start - 6) + negation.start()
        not_ordinary = not_ordinary[:begin] + "\0" * (start - begin) + not_ordinary[start:]
    # Two regions stated as facts ("户口在昌图，现在住在双清"): both notices may apply, so the
    # region is asked, never picked.
    facts.region = affirmed[0] if len(set(affirmed)) == 1 else None
    if facts.region is None:
        place = _PLACE.search(rest)
        if place is not None:
            facts.place = _PLACE_FILLER.sub("", place.group(1)) or None
        if facts.place is not None:
            facts.near_region = _near_region(facts.place, lexicon.regions)
    if _TERM_QUESTION.search(plain) and (facts.identities or facts.negated):
        # A question about a term states nothing about the person.
        facts.asked_about = list(dict.fromkeys([*facts.identities, *facts.negated]))
        facts.identities, facts.negated = [], []
        facts.intent = None
        return facts
    facts.correction = bool(_CORRECTION.search(plain)) or bool(facts.negated)
    facts.additive = bool(_ADDITIVE.search(plain))
    ordinary_text = plain if not_ordinary == folded else not_ordinary
    facts.ordinary = (
        not facts.identities and not facts.negated and bool(_ORDINARY.search(ordinary_text))
    )
    _classify_dates(plain, find_dates(plain, today), facts)
    _days_old(plain, today, facts)
    _birth_range(plain, compact, today, facts)
    born = facts.birth_date.value if facts.birth_date else None
    if born is not None and "newborn" not in facts.identities and (today - born).days <= 366:
        # "孩子4月10号出生的": a birth date under a year old makes the person a newborn.
        facts.identities.append("newborn")
        facts.ordinary = False
        # The baby's birth date adds a newborn; it does not replace what else was said.
        facts.additive = facts.additive or not facts.correction
    _several_people(plain, facts)
    unpaid = _history(plain, today, facts)
    year = next(
        (
            m
            for m in _INSURANCE_YEAR.finditer(plain)
            if not any(s <= m.start() < e for s, e in unpaid)
        ),
        None,
    )
    if year:
        facts.insurance_year = int(next(g for g in year.groups() if g))
    tier = _TIER.search(plain)
    if tier:
        facts.tier = 1 if any(c in tier.group(0) for c in "一1") else 2
    if _YES.match(compact):
        facts.yes = True
    elif _NO.match(compact):
        facts.yes = False
    number = _NUMBER.match(compact)
    if number:
        facts.bare_number = int(number.group(1))
    return facts
