"""Fill the English catalogues of the appeals and evaluations apps from the table below and
compile them. Run after ``django-admin makemessages -l en`` in both app directories:
    python src/yingshang/appeals/locale/translate_en.py
"""

import re
import subprocess
from pathlib import Path

EN = {
    "12345热线": "12345 hotline", "不予批准": "Refused", "不可评价的事项类型。": "This kind of matter cannot be rated.",
    "不满意": "Dissatisfied", "不认可,继续整改": "Not accepted, rectify further",
    "与诉求 %(n)s 相似度 %(s).0f%%": "%(s).0f%% similar to appeal %(n)s", "个人": "Person", "个工作日": "working days",
    "主办部门": "Lead department", "主题": "Theme", "交办": "Dispatch", "交办意见": "Dispatch note",
    "交办时间": "Dispatched at", "人才与用工": "Talent and labour", "企业": "Enterprise", "企业名称": "Enterprise name",
    "企业服务科提请督办": "Escalated by the enterprise service office", "企业确认已解决": "Confirmed resolved",
    "企业确认未解决:%(note)s": "Appellant says unresolved: %(note)s", "企业诉求": "Enterprise appeals",
    "企业诉求直通车": "Enterprise appeals direct line", "全部": "All", "公开": "Public", "公示": "Public figures",
    "关闭时间": "Closed at", "其他": "Other", "出席部门": "Attending departments", "出席领导": "Attending leaders",
    "分办建议": "Dispatch suggestion", "分办模型": "Dispatch model", "分项评价": "Dimension ratings",
    "办事便捷度": "Convenience", "办事指南精确度": "Guide accuracy", "办事效率": "Efficiency", "办理中": "In process",
    "办理尚未完成,暂不能评价。": "The matter is not finished yet and cannot be rated.",
    "办理时限(工作日)": "Time limit (working days)", "办理期限": "Due", "办理过程": "History", "办结时间": "Closed at",
    "区划": "Division", "升级原因": "Escalation reason", "升级督办时间": "Escalated at", "协办": "Co-handlers",
    "协办部门": "Co-handling departments",
    "历史交办记录不足(至少需要10条、2个部门),无法训练分办模型。": "Not enough past dispatches (at least 10, over 2 departments) to train the dispatch model.",
    "原状态": "From", "反映问题": "Raise an appeal", "受邀企业": "Invited enterprises",
    "只有企业服务科(政务服务监督管理局)可以执行此操作。": "Only the enterprise service office (Government Service Supervision Bureau) may do this.",
    "只有企业服务科和窗口人员可以录入诉求。": "Only the enterprise service office and window clerks may record appeals.",
    "只有已升级督办的诉求可以批示。": "Only escalated appeals can receive instructions.",
    "只有市领导可以批示。": "Only city leaders may give instructions.",
    "只有政务服务监督管理局可以执行此操作。": "Only the Government Service Supervision Bureau may do this.",
    "只有申请人本人可以评价。": "Only the applicant may rate this.",
    "只有被评价部门可以执行此操作。": "Only the rated department may do this.",
    "只有评价人本人可以确认整改结果。": "Only the evaluator may give the verdict on the rectification.",
    "只有诉求人本人可以确认办理结果。": "Only the appellant may confirm the outcome.",
    "只有责任部门可以报告进展。": "Only the responsible department may report progress.",
    "启动时间": "Opened at", "咨询": "Enquiry", "回访时间": "Callback at", "回访记录": "Callback record", "地点": "Venue",
    "场次": "Session", "场次名称": "Session title", "基本满意": "Basically satisfied", "大小": "Size", "好差评": "Ratings",
    "好差评公示": "Ratings published", "姓名": "Name", "完成时间": "Completed at", "完成时限": "Deadline",
    "审批": "Approvals", "居民身份证号码": "Resident ID number", "居民身份证号码(选填)": "Resident ID number (optional)",
    "居民身份证号码无效。": "The resident ID number is not valid.", "工作日": "Working days", "差评整改": "Rectification",
    "差评整改:%(s)s": "Rectification: %(s)s", "差评整改确认": "Rectification verdict", "差评申诉待裁定": "Contest awaiting decision",
    "已办结": "Closed", "已回访评价人": "Evaluator called back", "已完成待核验": "Completed, awaiting verification",
    "已延期(工作日)": "Extended (working days)", "已批准": "Approved", "已提交您的确认。": "Your confirmation has been recorded.",
    "已有待审批的延期申请。": "An extension request is already pending.", "已答复": "Replied", "已签收": "Signed for",
    "已解决": "Resolved", "已逾期": "Overdue", "已销号": "Verified and closed",
    "市领导对诉求 %(n)s 作出批示": "A city leader instructed on appeal %(n)s", "市领导督办": "City leadership oversight",
    "平台操作性": "Platform usability", "年份": "Year", "序号": "No.", "延期": "Extension",
    "延期天数必须是正整数。": "Extension days must be a positive whole number.", "延期审批": "Extension approval",
    "延期工作日": "Extension (working days)", "延期理由": "Reason for extension", "延期申请": "Extension request",
    "延期记录": "Extensions",
    "延期超过上限:累计最多延期 %(max)d 个工作日,已延期 %(used)d 个工作日。": "Extension past the maximum: at most %(max)d working days in total, %(used)d already used.",
    "延期超过上限:累计最多延期 %(max)d 个工作日。": "Extension past the maximum: at most %(max)d working days in total.",
    "建议": "Suggestion", "开办企业": "Starting a business", "开始推进": "Start", "待回访": "Awaiting callback",
    "待审批": "Pending", "待核实": "Awaiting verification", "待签收": "Awaiting sign-off", "待签收/待交办": "To sign / dispatch",
    "待落实": "Pending", "待评价人确认": "Awaiting evaluator's verdict", "总体评价": "Overall rating",
    "您的差评已整改,请确认": "Your complaint has been rectified; please confirm", "您的评价": "Your rating",
    "您的诉求 %(n)s 已交由 %(d)s 办理": "Your appeal %(n)s has been dispatched to %(d)s",
    "您的诉求 %(n)s 已提请市领导督办": "Your appeal %(n)s has been escalated to the city leadership",
    "您的诉求 %(n)s 已答复,请确认是否解决": "Your appeal %(n)s has been answered; please confirm whether it is resolved",
    "您的诉求 %(n)s 已签收": "Your appeal %(n)s has been signed for", "惠企政策": "Business support policies",
    "意见": "Opinion", "感谢您的确认。": "Thank you for your confirmation.", "感谢您的评价。": "Thank you for your rating.",
    "我的诉求": "My appeals", "我要反映问题": "Raise an appeal", "执法": "Law enforcement", "批准": "Approve",
    "批示": "Instruction", "承办部门": "Handling department", "承诺": "Commitment", "承诺事项": "Commitments",
    "承诺事项当前状态为“%(s)s”,不能执行该操作。": "The commitment is “%(s)s”; this action is not allowed.",
    "承诺内容": "Commitment", "投诉": "Complaint", "报告完成": "Report completion", "报告整改措施": "Report measures",
    "报告进展": "Report progress", "接口": "API", "推进中": "In progress", "提交": "Submit", "提交时间": "Submitted at",
    "提交申请": "Submit request", "提交确认": "Submit", "提交评价": "Submit rating",
    "提请市领导督办": "Escalate to the city leadership", "提问人": "Asked by", "提问企业": "Enterprise", "搜索": "Search",
    "操作": "Action", "操作人": "Actor", "操作成功。": "Done.", "收到差评,请核实整改:%(s)s": "Negative rating received, please verify and rectify: %(s)s",
    "政企面对面": "Enterprise Q&A sessions", "政企面对面场次": "Q&A session", "政企面对面承诺事项": "Q&A session commitments",
    "政企面对面承诺事项待落实": "A Q&A commitment awaits action", "政务服务好差评公示": "Government service ratings",
    "政策兑现": "Policy delivery", "整体满意度": "Overall satisfaction", "整改": "Rectified", "整改中": "Rectifying",
    "整改完成": "Rectified", "整改完成时间": "Rectified at",
    "整改当前状态为“%(s)s”,不能执行该操作。": "The rectification is “%(s)s”; this action is not allowed.",
    "整改措施": "Measures", "整改期限": "Rectification due", "整改确认": "Rectification verdict", "整改记录": "History",
    "整改轮次": "Rounds", "文件": "File", "文件名": "File name", "新状态": "To", "新诉求待签收:%(n)s": "New appeal to sign for: %(n)s",
    "日期": "Date", "时间": "Time", "时限": "Limit", "暂定": "provisional", "暂无评价": "No ratings yet", "暂无诉求": "No appeals",
    "最新进展": "Latest progress", "服务态度": "Attitude", "服务效率": "Service efficiency", "服务水平": "Service quality",
    "期限": "Due", "期限暂定": "Due date provisional",
    "未找到该诉求,请核对诉求编号和联系电话后四位。": "No such appeal: check the appeal number and the last four digits of the phone.",
    "未知的评价维度“%(k)s”。": "Unknown rating dimension “%(k)s”.", "未解决": "Not resolved", "未解决时": "If not resolved",
    "来源渠道": "Channel", "来源渠道无效。": "Invalid channel.", "来访": "Visit", "查询": "Search",
    "查询办理进度": "Follow an appeal", "标题": "Title", "核实属实,开始整改": "Founded, start rectification",
    "核实情况": "Verification", "核验销号": "Verify and close", "格式": "Format", "求助": "Request for help",
    "流转记录": "History", "渠道": "Channel", "满意": "Satisfied",
    "热线、来访和政企面对面诉求只能由工作人员录入。": "Hotline, visit and Q&A-session appeals can only be recorded by staff.",
    "状态": "Status", "现场提问": "Question", "用地": "Land use", "用水用气": "Water and gas", "用电": "Electricity",
    "申诉(评价不实)": "Contest (unfair rating)", "申诉不成立,继续整改": "Contest rejected, rectify",
    "申诉中": "Contested", "申诉成立": "Contest upheld", "申诉成立,剔除该评价": "Contest upheld, void the rating",
    "申诉成立已剔除": "Voided after contest", "申诉理由": "Contest reason", "申诉裁定": "Decision", "申请延期": "Request extension",
    "疑似重复": "Possible repeat", "疑似重复诉求": "Possible repeat of", "登记": "Record", "登记诉求": "Record an appeal",
    "相似度": "Similarity", "督办": "Escalated", "督办理由": "Reason", "税费": "Taxes and fees", "答": "A", "答复": "Reply",
    "答复内容": "Reply", "答复时间": "Replied at", "答复部门": "Answering department", "签收": "Sign for", "签收时间": "Signed at",
    "签收时限": "Sign-for due", "类型": "Type", "系统": "System", "系统管理员": "Administrator",
    "线上(一事一评)": "Online (one rating per matter)", "线下(一次一评)": "Offline (one rating per visit)",
    "统一社会信用代码": "Unified social credit code", "统一社会信用代码“%(v)s”无效。": "The unified social credit code “%(v)s” is not valid.",
    "编号": "Number", "网上门户": "Web portal", "联系人": "Contact", "联系电话": "Phone", "联系电话后四位": "Last four digits of the phone",
    "联系电话格式不正确。": "The phone number is not valid.", "融资": "Financing", "被评价部门": "Rated department",
    "角色": "Role", "认可,不认可,—": "accepted,not accepted,—", "认可整改": "Accept the rectification", "评价": "Rating",
    "评价事项不存在。": "No such matter.", "评价人": "Evaluator", "评价人意见": "Evaluator's verdict",
    "评价人认可整改": "Evaluator accepts", "评价对象": "Subject", "评价意见": "Comment", "评价意见(选填)": "Comment (optional)",
    "评价时间": "Rated at", "评价渠道": "Channel", "评价渠道无效。": "Invalid rating channel.",
    "评价等级必须是非常满意、满意、基本满意、不满意或非常不满意之一。": "The rating must be one of very satisfied, satisfied, basically satisfied, dissatisfied, very dissatisfied.",
    "诉求 %(n)s 企业确认已解决": "Appeal %(n)s confirmed resolved",
    "诉求 %(n)s 企业确认未解决,请重新办理": "Appeal %(n)s not resolved: please handle it again",
    "诉求 %(n)s 已交办,请于 %(due)s 前答复": "Appeal %(n)s dispatched to you; reply by %(due)s",
    "诉求 %(n)s 已升级市领导督办": "Appeal %(n)s escalated to the city leadership", "诉求 %(n)s 已答复": "Appeal %(n)s replied",
    "诉求 %(n)s 延期申请:%(r)s": "Appeal %(n)s extension: %(r)s",
    "诉求 %(n)s 申请延期 %(d)d 个工作日": "Appeal %(n)s requests an extension of %(d)d working days",
    "诉求 %(n)s 请协办": "Appeal %(n)s: please co-handle", "诉求": "Appeal", "诉求人": "Appellant", "诉求人类型": "Appellant type",
    "诉求内容": "Description", "诉求内容过短,请具体描述问题。": "The description is too short; please describe the problem.",
    "诉求已提交,编号 %(n)s。请凭编号和联系电话后四位查询办理进度。": "Appeal submitted, number %(n)s. Follow it with the number and the last four digits of your phone.",
    "诉求已登记,编号 %(n)s。": "Appeal recorded, number %(n)s.",
    "诉求当前状态为“%(status)s”,不能执行“%(action)s”。": "The appeal is “%(status)s”; “%(action)s” is not allowed.",
    "诉求流转记录": "Appeal events", "诉求类型": "Appeal type", "诉求编号": "Appeal number", "诉求附件": "Appeal attachments",
    "诉求领域": "Topic", "该事项已评价,每个事项只能评价一次。": "This matter has already been rated; each matter is rated once.",
    "该事项没有承办部门,无法评价。": "This matter has no handling department and cannot be rated.",
    "该延期申请已处理。": "This extension request has already been decided.",
    "该诉求未交办给您所在部门,只有主办部门可以办理。": "This appeal was not dispatched to your department; only the lead department may act on it.",
    "说明": "Note", "说明(选填)": "Note (optional)", "请填写企业名称。": "Please give the enterprise name.",
    "请填写场次名称和主题。": "Please give the session title and theme.", "请填写姓名。": "Please give the name.",
    "请填写延期理由。": "Please give the reason for the extension.", "请填写批示内容。": "Please write the instruction.",
    "请填写承诺内容。": "Please describe the commitment.", "请填写承诺完成时限。": "Please give the commitment's deadline.",
    "请填写答复内容。": "Please write the reply.", "请填写统一社会信用代码。": "Please give the unified social credit code.",
    "请填写联系人。": "Please give a contact name.", "请填写联系电话。": "Please give a contact phone number.",
    "请填写诉求内容。": "Please describe the problem.", "请填写说明。": "Please add a note.", "请填写问题。": "Please write the question.",
    "请选择主办部门。": "Please choose the lead department.", "请选择答复部门。": "Please choose the answering department.",
    "请选择诉求人类型(企业或个人)。": "Please choose the appellant type (enterprise or person).",
    "请选择诉求类型。": "Please choose the appeal type.", "请选择诉求领域。": "Please choose the topic.",
    "请选择重新办理或提请市领导督办。": "Please choose to reopen or to escalate to the city leadership.",
    "责任部门": "Responsible department", "超过承诺时限": "Past the committed deadline", "退回": "Send back",
    "逾期未办结": "Overdue, not replied", "逾期未签收": "Overdue, not signed for", "逾期由系统判定。": "Overdue is set by the system.",
    "部门": "Department", "重新办理": "Reopen", "门户账号": "Portal account", "问": "Q", "问题": "Question",
    "问题是否已解决?": "Is the problem resolved?", "附件(PDF、JPG、PNG、OFD)": "Attachments (PDF, JPG, PNG, OFD)",
    "附件“%(name)s”不是 PDF、JPG、PNG 或 OFD 文件。": "Attachment “%(name)s” is not a PDF, JPG, PNG or OFD file.",
    "附件“%(name)s”超过大小上限 %(mb).0f MB。": "Attachment “%(name)s” exceeds the size limit of %(mb).0f MB.",
    "非常不满意": "Very dissatisfied", "非常满意": "Very satisfied",
}


def fill(po: Path) -> int:
    text = po.read_text()
    missing = 0

    def repl(m):
        nonlocal missing
        msgid = m.group(1)
        if msgid == "":
            return m.group(0)
        en = EN.get(msgid)
        if en is None:
            missing += 1
            return m.group(0)
        return f'msgid "{msgid}"\nmsgstr "{en}"'

    text = re.sub(r'msgid "(.*)"\nmsgstr ""', repl, text)
    text = text.replace("#, fuzzy\n", "")
    po.write_text(text)
    subprocess.run(["msgfmt", "-o", str(po.with_suffix(".mo")), str(po)], check=True)
    return missing


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    for app in ("appeals", "evaluations"):
        po = root / app / "locale" / "en" / "LC_MESSAGES" / "django.po"
        print(app, "untranslated:", fill(po))
