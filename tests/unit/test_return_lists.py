"""A return for more information (退回补正) that says nothing specific is told how to list what is missing, not
how to word a rejection."""

from workflows import reasons


def test_a_vague_return_is_told_to_list_the_missing_materials():
    [problem] = reasons.list_problems("材料不全")
    assert "需要补充的具体材料" in problem and "哪部法规的哪一条" not in problem
