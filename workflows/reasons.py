"""Whether a reason says something (R17, §5): the one check for rejections, returns, 不予共享 bases and objections.

A reason of substance names what is missing or which rule applies. Stock phrases ("不同意", "不符合要求"), a
phrase repeated, or text without at least MIN_SUBSTANCE distinct Chinese characters once those are taken out
say nothing a person could act on, so they are refused with a message that says what to write instead.
"""

from __future__ import annotations

import re

MIN_SUBSTANCE = 10
MIN_ITEM_SUBSTANCE = 6  # each item of a 一次性告知 list; the list as a whole still needs MIN_SUBSTANCE
MAX_LISTED = 30  # items of one 一次性告知 list
HINT = "请写明具体内容：缺少什么材料、哪个信息项超出所需、依据哪部法规的哪一条"

# Phrases that decide without saying why; longest first so "不符合要求" goes before "不符合".
STOCK_PHRASES = tuple(
    sorted(
        {
            "不同意",
            "不予同意",
            "暂不同意",
            "同意",
            "不通过",
            "不予通过",
            "审核不通过",
            "通过",
            "不批准",
            "不予批准",
            "批准",
            "拒绝",
            "驳回",
            "退回",
            "不行",
            "不可以",
            "不能",
            "不符合",
            "不符合条件",
            "不符合要求",
            "不符合规定",
            "不符合相关规定",
            "不符合有关规定",
            "不满足条件",
            "不满足要求",
            "不同意共享",
            "不予共享",
            "不能提供",
            "不予提供",
            "无",
            "没有",
            "暂无",
            "其他",
            "其它",
            "见附件",
            "详见附件",
            "材料不全",
            "资料不全",
            "材料不齐",
            "理由不充分",
            "依据不足",
            "依据不充分",
            "补充材料",
            "补正材料",
            "完善材料",
            "按规定",
            "根据规定",
            "依据规定",
            "相关规定",
            "有关规定",
            "法律法规",
            "相关法律法规",
            "有关法律法规",
            "国家政策",
            "相关政策",
            "有关政策",
            "不予",
            "特此说明",
            "谢谢",
        },
        key=len,
        reverse=True,
    )
)
# Phrases every reason in this system could contain, whatever the case: they name no item, law, unit or fact of it
# ("该申请不符合本单位数据共享的有关规定要求" says nothing once they and the stock phrases are taken out).
BOILERPLATE = (
    "该申请",
    "本申请",
    "此申请",
    "此项申请",
    "申请事项",
    "本单位",
    "我单位",
    "本部门",
    "政务数据",
    "数据共享",
    "共享数据",
    "数据资源",
    "有关规定",
    "相关规定",
    "有关要求",
    "相关要求",
    "规定要求",
    "有关政策",
    "相关政策",
    "按照",
    "根据",
    "依照",
    "经研究",
    "研究决定",
    "决定",
    "需要",
    "办理",
    "请按照",
    "有关",
    "相关",
    "规定",
    "要求",
    "情况",
    "事项",
    "明确",
    "规范",
    "不明确",
    "不规范",
)
# Characters that carry no meaning on their own.
PARTICLES = frozenset("的了是和与及或等之其也都而并但就把被")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_PUNCT = re.compile(r"[\s\W_]+")
_LIST_SPLIT = re.compile(r"[\r\n；;]+")
_NUMBERING = re.compile(r"^\s*(?:[(（]?\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*[)）.．、,，:：]?|[-*•·])\s*")


def _without_stock(text: str, extra: tuple[str, ...]) -> str:
    for phrase in sorted((*STOCK_PHRASES, *BOILERPLATE, *(e for e in extra if e)), key=len, reverse=True):
        text = text.replace(phrase, " ")
    return text


def substance(text: str, extra_stock: tuple[str, ...] = ()) -> set[str]:
    """The distinct Chinese characters of a text that remain once stock phrases and particles are taken out."""
    rest = _without_stock(text, tuple(_PUNCT.sub("", e) for e in extra_stock))
    return {c for c in _CJK.findall(rest) if c not in PARTICLES}


def _repeats_itself(core: str, text: str) -> bool:
    if re.fullmatch(r"(.{1,}?)\1+", core):
        return True
    parts = [p for p in _PUNCT.split(text) if p]
    return len(parts) > 1 and len(set(parts)) == 1


def reason_problem(
    text: str | None,
    what: str = "理由",
    extra_stock: tuple[str, ...] = (),
    minimum: int = MIN_SUBSTANCE,
    hint: str = HINT,
) -> str | None:
    """Why a reason says nothing specific, in Chinese, or None when it does.

    extra_stock: phrases that add nothing in this place (e.g. the label of the chosen category).
    """
    text = (text or "").strip()
    core = _PUNCT.sub("", text)
    if not core:
        return f"请填写{what}。{hint}"
    if not _CJK.search(core):
        return f"“{_shown(text)}”不是具体{what}：请用中文写明。{hint}"
    if _repeats_itself(core, text):
        return f"“{_shown(text)}”是同一句话的重复，不是具体{what}。{hint}"
    found = substance(text, extra_stock)
    if not found:
        return f"“{_shown(text)}”只是套话（如“不同意”“不符合要求”“无”），不是具体{what}。{hint}"
    if len(found) < minimum:
        return f"{what}过于简略：除去套话，只有 {len(found)} 个不同的汉字（至少需要 {minimum} 个）。{hint}"
    return None


def listed_items(text: str | None) -> list[str]:
    """The items of a list written one per line (or separated by “；”), without their numbering."""
    items = (_NUMBERING.sub("", line).strip(" 。，,.") for line in _LIST_SPLIT.split(text or ""))
    return [item for item in items if item]


LIST_HINT = (
    "请逐项写明需要补充的具体材料或需说明的具体问题，如：加盖公章的低保核对工作授权文件；说明每月调用户籍接口的次数"
)


def list_problems(text: str | None, what: str = "补正事项") -> list[str]:
    """一次性告知: at least one item, each checked like a reason (at least MIN_ITEM_SUBSTANCE characters of substance
    on its own, MIN_SUBSTANCE over the list); every problem named by its item's number."""
    items = listed_items(text)
    if not items:
        return [f"请逐项列出{what}（每行一项）"]
    if len(items) > MAX_LISTED:
        return [f"{what}最多 {MAX_LISTED} 项（现有 {len(items)} 项），请合并后重新填写"]
    problems = []
    for number, item in enumerate(items, 1):
        if problem := reason_problem(item, what, minimum=MIN_ITEM_SUBSTANCE, hint=LIST_HINT):
            problems.append(f"第 {number} 项：{problem}" if len(items) > 1 else problem)
    if not problems and (problem := reason_problem("；".join(items), what, hint=LIST_HINT)):
        problems.append(problem)
    return problems


# A provision people can look up: 《title》 with an article (第十九条), or a document number (国办发〔2021〕6号).
_TITLE = r"《[^《》\n]{2,80}》"
_ARTICLE = r"第\s*[一二三四五六七八九十百零〇两\d]{1,6}\s*条"
_TITLED_ARTICLE = re.compile(_TITLE + r"[^《》。；;\n]{0,20}?" + _ARTICLE)
_DOCUMENT_NUMBER = re.compile(
    r"[\u4e00-\u9fff“”\"‘’']{1,20}[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*第?\s*\d{1,5}\s*号"
)


def names_provision(text: str | None) -> bool:
    """Whether a text names a provision someone can look up: a law or regulation in 《》 with its article
    (《中华人民共和国数据安全法》第二十一条), or a document by its number (国办发〔2021〕6号; 〔〕, [] and ［］).
    The one rule for a rejection's provision and a 不予共享 basis."""
    text = text or ""
    return bool(_TITLED_ARTICLE.search(text) or _DOCUMENT_NUMBER.search(text))


def names_title(text: str | None) -> bool:
    """Whether a text names a law, regulation or document by its title in 《》 (at least two characters)."""
    return bool(re.search(_TITLE, text or ""))


def _shown(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


# --- 不予共享 bases: a law, regulation or policy document, named so it can be looked up ----------------------------

BASIS_EXAMPLE = "依《中华人民共和国居民身份证法》第十九条，公民身份号码等个人信息不得向无关单位提供"
BASIS_HINT = (
    "请写明所依据的法律、行政法规或政策文件：书名号内的名称加条款（如《中华人民共和国居民身份证法》第十九条），"
    f"或文件编号（如 国办发〔2021〕6号、豫政〔2020〕35号）。例如：“{BASIS_EXAMPLE}”"
)


def basis_problem(text: str | None, what: str = "不予共享依据") -> str | None:
    """Why a 不予共享 basis does not stand, in Chinese, or None: it must say something and name the rule it rests on.

    The one check of a basis: the entry form, the Excel import, the API and the catalog service all call it.
    """
    if (text or "").strip() and not names_provision(text):  # the missing law first: it is what to add
        return f"“{_shown(text.strip())}”没有写明具体的法律、行政法规或政策文件，不能作为{what}。{BASIS_HINT}"
    return reason_problem(text, what, hint=BASIS_HINT)
