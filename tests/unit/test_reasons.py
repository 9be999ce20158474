"""The one check that a reason says something: refusals and returns, 不予共享 bases, and (later) objections."""

import pytest

from workflows import reasons

STOCK = [
    "不同意不同意不同意不同意",
    "不符合要求不符合条件",
    "不符合要求，不予通过，不同意",
    "aaaaaaaaaa",
    "1234567890",
    "无",
    "不同意。不同意。不同意。",
    "根据相关规定不予共享",
    "",
]
SPECIFIC = [
    "申请的户籍地址信息项超出最低生活保障核对所需范围，请仅申请姓名和身份号码",
    "依《中华人民共和国居民身份证法》第十九条，公民身份号码不得向无关单位提供",
    "请补充低保申请受理通知书扫描件，并说明核对对象范围",
]


@pytest.mark.parametrize("text", STOCK)
def test_stock_phrases_repetition_and_text_without_chinese_substance_say_nothing(text):
    problem = reasons.reason_problem(text)
    assert problem and "请" in problem  # every refusal says what to write instead


@pytest.mark.parametrize("text", SPECIFIC)
def test_a_reason_that_names_what_is_missing_or_the_rule_passes(text):
    assert reasons.reason_problem(text) is None


def test_the_chosen_category_repeated_as_the_reason_adds_nothing():
    assert reasons.reason_problem("申请范围超出履职需要", extra_stock=("申请范围超出履职需要",))
    assert reasons.reason_problem(SPECIFIC[0], extra_stock=("申请范围超出履职需要",)) is None


def test_a_return_list_is_split_into_numbered_items_each_checked_on_its_own():
    text = "1. 请补充低保申请受理通知书扫描件\n2、说明核对对象的范围和人数\n（3）无"
    assert reasons.listed_items(text) == ["请补充低保申请受理通知书扫描件", "说明核对对象的范围和人数", "无"]
    problems = reasons.list_problems(text)
    assert len(problems) == 1 and problems[0].startswith("第 3 项：")
    assert reasons.list_problems(text.rsplit("\n", 1)[0]) == []
    assert reasons.list_problems("") == ["请逐项列出补正事项（每行一项）"]


@pytest.mark.parametrize(
    "text",
    [
        "《中华人民共和国数据安全法》第二十一条",
        "依据《中华人民共和国保守国家秘密法》第十三条第一款",
        "《政务数据共享管理办法（试行）》第12条",
        "《保守国家秘密法》（2024年修订）第三十条",
        "国办发〔2021〕6号",
        "夏“放管服”组办〔2021〕12号",
        "豫政办[2023]15号",
    ],
)
def test_a_provision_is_a_titled_law_with_its_article_or_a_document_number(text):
    assert reasons.names_provision(text)


@pytest.mark.parametrize(
    "text",
    [
        "有关保密规定",
        "《保密法》",
        "相关法律法规",
        "第十条",
        "〔2021〕6号",
        "国办发2021年6号",
        "《》第一条",
        "根据相关规定不予共享",
    ],
)
def test_a_law_without_its_article_a_bare_article_or_a_vague_rule_is_no_provision(text):
    assert not reasons.names_provision(text)


@pytest.mark.parametrize(
    "basis",
    [
        "依《中华人民共和国居民身份证法》第十九条，公民身份号码等个人信息不得向无关单位提供",
        "根据国办发〔2021〕6号文件，涉及侦查秘密的户籍数据不予共享",
        "依据豫政[2020]35号文件第三部分，本类数据暂不共享",
        "依据豫政［2020］35号文件，本类数据暂不共享",
    ],
)
def test_a_not_shared_basis_naming_a_titled_rule_with_its_article_or_a_document_number_stands(basis):
    assert reasons.basis_problem(basis) is None


@pytest.mark.parametrize(
    "basis",
    [
        "本单位领导研究决定暂缓共享该类数据资源",
        "依《刑事诉讼法》规定侦查过程信息不得对外提供",
        "依据《》第一条规定这个数据不共享给别的单位",
        "根据相关规定不予共享",
    ],
)
def test_a_not_shared_basis_without_a_named_rule_is_refused_with_an_example(basis):
    problem = reasons.basis_problem(basis)
    assert problem and "例如：“依《中华人民共和国居民身份证法》第十九条" in problem
