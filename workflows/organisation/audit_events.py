"""What the organisation writes to the audit trail (people, roles, units, sign-ins, vendors), in the audit page's
words."""
from __future__ import annotations

from workflows.audit_text import Events
from workflows.models import ROLE_LABELS_BY_CODE, ResponsibilityKind, UnitKind

END_REASONS = {"logout": "本人退出登录", "password_changed": "修改了密码", "deactivated": "账号被停用",
               "password_reset": "管理员重置了密码"}

AUDIT_EVENTS = Events(
    actions={
        "api_token:created": "创建 API 令牌", "api_token:revoked": "吊销 API 令牌",
        "session:login": "登录", "session:ended": "退出登录（结束全部会话）", "session:login_failed": "登录失败",
        "session:throttled": "登录受限（失败次数过多）",
        "session:ceiling_reached": "登录失败达到每日上限（已通知系统管理员）",
        "session:deactivated_login": "已停用的账号尝试登录",
        "session:one_time_password_expired": "一次性密码过期后尝试登录",
        "session:vendor_expired_login": "运维厂商人员账号到期后尝试登录", "session:unlocked": "解除登录限制",
        "vendor:created": "新建运维厂商人员账号", "vendor:renewed": "修改运维厂商人员账号有效期", "vendor:undertaking_accepted": "签署保密承诺",
        "vendor:expiry_reminded": "提醒运维厂商人员账号即将到期",
        "person:created": "新建人员", "person:updated": "修改人员信息", "person:deactivated": "停用账号",
        "person:reactivated": "恢复账号", "person:password_reset": "重置密码", "person:password_changed": "修改密码",
        "people:imported": "导入人员和角色",
        "role:granted": "授予角色", "role:revoked": "取消角色", "responsibility:set": "设置责任人",
        "unit:created": "新建单位", "unit:updated": "修改单位信息", "unit:deactivated": "停用单位",
        "unit:reactivated": "恢复单位",
        "task:handed_over": "管理员转交任务", "task:released": "任务退回单位待办",
    },
    subjects={"person": "人员", "api_token": "API 令牌", "login": "登录账号", "unit": "单位",
              "people_import": "人员导入"},
    keys={"company": "所属公司", "expires_on": "账号有效期至", "undertaking": "保密承诺", "address": "来源地址",
          "username": "用户名", "prefix": "令牌前缀", "scope": "范围", "wait_seconds": "需等待（秒）",
          "revoked": "已吊销", "display_name": "姓名", "position": "职务", "email": "电子邮箱", "role": "角色",
          "roles": "角色", "active": "账号状态", "one_time": "一次性密码", "after_one_time_password": "首次登录改密",
          "failures": "登录失败次数", "during": "发生于", "addresses": "来源地址数", "short_name": "简称",
          "credit_code": "统一社会信用代码", "successor": "接替人", "created": "新建", "updated": "修改人数"},
    keys_by_subject={"unit": {"active": "单位状态"}},
    hidden_keys=frozenset({"generation"}),
    booleans={"active": ("启用", "停用"), "revoked": ("已吊销", "未吊销"), "one_time": ("已生成", "无")},
    values={"role": ROLE_LABELS_BY_CODE, "roles": ROLE_LABELS_BY_CODE, "during": {"password_change": "修改密码时"}},
    values_by_subject={"unit": {"kind": UnitKind}},
    values_by_action={"session:ended": {"reason": END_REASONS}, "responsibility:set": {"kind": ResponsibilityKind}},
)
