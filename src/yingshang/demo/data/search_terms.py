"""Search words of the demo catalogue: what people say when they ask for an item (12345 hotline
and hall enquiry wording), mapped to the demo items by name (demo/data/catalog_items.py).

Each entry: (item name, term, kind, source). Sources are public pages where people ask or are
told in these words (question titles, enquiry answers, "how do I …" guides), as found on
2026-12-06; ``ISSUE`` marks wording heard at the hall's enquiry desk (given in the project's
issue 12), named in Chinese like every source the catalogue maintainers see. The words are
short phrases people use, not copied text. ``kind``: "synonym" (another name of the same
thing: 营业执照) or "colloquial" (how a citizen says it: 开小卖部, 卖熟食).
"""

S = "synonym"
C = "colloquial"

# Source pages (where the wording was found).
SHOP = "http://www.temailong.cn/industry/475.html （经营小超市需要办理哪些证件）"
CONVENIENCE = "https://tobaccochina.com.cn/html/news/lszd/632415.shtml （开一家零售店/便利店应该办理哪些证件）"
SUPERMARKET = "http://fengdujob.net/go/开超市需要哪些手续费呢.html （开超市需要哪些手续）"
GETIHU = "https://www.mogufr.com/shubk/202509/682365.html （超市个体工商户营业执照办理流程）"
GETIHU_SHOP = (
    "https://xn--3kq7mk4gt7p7ra62prs8fclk.com/art/1756892155981155.html （个体户开店需要什么手续）"
)
SHOP_LICENCES = "http://www.zx08.cn/article/190443.html （开设商店必备证件：营业执照）"
ISSUE = "政务服务大厅窗口咨询中群众的说法（开小卖部、卖熟食、开饭店）"
RESTAURANT = "http://ksdsu.cn/wz/5725701.html （开设个人餐馆需要办理哪些证件）"
RESTAURANT_13 = "http://m.cy8.com.cn/cycyzn/173458 （开餐厅必办13项手续）"
RESTAURANT_LIST = (
    "https://www.sjzyslg.com/news/show-255298.html （我要开饭店、小餐馆、便利店涉及哪些事项）"
)
CATERING = "https://rc.dangtu.net.cn/article/73466.html （开餐饮店必备手续有哪些）"
COOKED_FOOD = "https://xinducaiwu001.007swz.com/xinxi/23972094.html （散装熟食、热食类食品制售）"
MILK_TEA = "http://yichen8.com/g84939271.html （奶茶饮品店、食品外卖须取得食品经营许可证）"
ENV_FIRE = "https://blog.11467.com/b1362060.htm （办理环保审批、消防审批、卫生许可证）"
SEAL = "https://www.dailicaiwu.com/xws/470945.html （营业执照领取与印章刻制）"
SEAL_2 = SHOP + " — 凭营业执照到公安局备案刻章"
COMPANY = "https://jiaxifuwu.com/zhishi/zhuce/20043.html （注册公司的第一关：核名）"
INVOICE = SEAL + " — 去税务局申领发票"
SOCIAL_NEW = "http://www.xn--3kq7mk4gt7p7ra62prs8fclk.com/art/1754424179036274.html （新开公司怎么交社保：社保开户、员工增员）"
SOCIAL_STAFF = "https://top.drbdp.com/2-167642.html （企业怎样为新员工开通社保账户）"
SOCIAL_LAW = "https://www.lawyer-guo.com/ask/12276.html （单位交社保先进行社保登记）"
FUND_DRAW = "http://fengdujob.net/go/公积金办理提取几天到账.html （公积金办理提取几天到账）"
FUND_MOVE = (
    "http://fengdujob.net/go/合肥市公积金封存怎么转出到新单位.html （公积金封存怎么转出到新单位）"
)
TRANSFER = "http://www.fengdujob.net/go/房子卖了过户需要什么手续.html （房子卖了过户需要什么手续）"
TRANSFER_2 = "http://fengdujob.net/go/二手房过户需多少钱.html （二手房过户需多少钱）"
DEED = "https://um.sanwen.net/special/rosxlf.html （房产证办理流程 材料）"
JOBLESS = "http://fengdujob.net/go/失业金领取条件及标准金额.html （失业金领取条件及标准金额）"
JOBLESS_2 = "https://www.zhetiaohe.com/ss/0359639e3c7a9c47ad1c1bbea1e6a89a1c2b8c923edbcdb5dc2b0cac08648a5c.html （交满多久可以领失业金）"
ID_CARD = "https://m.tianqiyubao2.com/news/view-2422622 （身份证丢失去补办需要什么步骤）"
ID_CARD_2 = "http://fengdujob.net/go/福建省身份证补办网上申请要多久能拿到.html （身份证补办）"
MEDICAL = "http://fengdujob.net/go/医保异地备案程序是什么.html （医保异地备案程序是什么）"
MEDICAL_2 = "http://fengdujob.net/go/北京医保异地看病怎么报销流程.html （医保异地看病怎么报销）"
MARRIAGE = "https://m.jiusongjiankang.com/health/news/5005658.html （领结婚证需要准备以下材料）"
MARRIAGE_2 = "https://www.pdpei.com/2-1269503.html （领结婚证的地方叫民政局）"

TERMS = [
    # 个体工商户设立登记: opening a small shop
    ("个体工商户设立登记", "开小卖部", C, ISSUE),
    ("个体工商户设立登记", "开小超市", C, SHOP),
    ("个体工商户设立登记", "开超市", C, SUPERMARKET),
    ("个体工商户设立登记", "开便利店", C, CONVENIENCE),
    ("个体工商户设立登记", "开零售店", C, CONVENIENCE),
    ("个体工商户设立登记", "个体户开店", C, GETIHU_SHOP),
    ("个体工商户设立登记", "个体户营业执照", S, GETIHU),
    ("个体工商户设立登记", "营业执照", S, SHOP_LICENCES),
    ("个体工商户设立登记", "办执照", C, SHOP_LICENCES),
    # 企业设立登记: starting a company
    ("企业设立登记", "营业执照", S, SHOP_LICENCES),
    ("企业设立登记", "注册公司", C, COMPANY),
    ("企业设立登记", "开公司", C, COMPANY),
    ("企业设立登记", "核名", C, COMPANY),
    # 食品经营许可: selling food, opening a restaurant
    ("食品经营许可", "卖熟食", C, ISSUE),
    ("食品经营许可", "散装熟食", S, COOKED_FOOD),
    ("食品经营许可", "开饭店", C, RESTAURANT_LIST),
    ("食品经营许可", "开餐馆", C, RESTAURANT),
    ("食品经营许可", "开餐厅", C, RESTAURANT_13),
    ("食品经营许可", "开餐饮店", C, CATERING),
    ("食品经营许可", "开奶茶店", C, MILK_TEA),
    ("食品经营许可", "餐饮服务许可证", S, RESTAURANT),
    ("食品经营许可", "食品经营许可证", S, COOKED_FOOD),
    # 公共场所卫生许可 / 消防 / 环保 / 排污
    ("公共场所卫生许可", "卫生许可证", S, ENV_FIRE),
    ("公众聚集场所投入使用营业前消防安全检查", "消防许可证", C, RESTAURANT),
    ("公众聚集场所投入使用营业前消防安全检查", "消防审批", C, ENV_FIRE),
    ("建设项目环境影响报告表审批", "环保审批", C, ENV_FIRE),
    ("固定污染源排污登记", "排污许可证", C, RESTAURANT),
    # 公章刻制备案, 发票, 税务
    ("公章刻制备案", "刻章", C, SEAL_2),
    ("公章刻制备案", "印章刻制", S, SEAL),
    ("新办纳税人发票申领", "领发票", C, INVOICE),
    ("新办纳税人发票申领", "申领发票", S, INVOICE),
    ("税务登记信息确认", "税务登记", S, SHOP),
    # 社保
    ("企业社会保险登记", "社保开户", C, SOCIAL_NEW),
    ("企业社会保险登记", "交社保", C, SOCIAL_NEW),
    ("企业社会保险登记", "社保登记", S, SOCIAL_LAW),
    ("企业社会保险登记", "社保", S, SOCIAL_LAW),
    ("职工参保登记", "员工增员", C, SOCIAL_NEW),
    ("职工参保登记", "开通社保", C, SOCIAL_STAFF),
    ("职工参保登记", "社保", S, SOCIAL_STAFF),
    ("失业保险金申领", "领失业金", C, JOBLESS_2),
    ("失业保险金申领", "失业金", S, JOBLESS),
    # 公积金, 不动产
    ("住房公积金提取（购房）", "公积金提取", S, FUND_DRAW),
    ("住房公积金提取（购房）", "取公积金", C, FUND_DRAW),
    ("住房公积金异地转移接续", "公积金转出", C, FUND_MOVE),
    ("不动产转移登记（二手房）", "二手房过户", C, TRANSFER_2),
    ("不动产转移登记（二手房）", "房子过户", C, TRANSFER),
    ("不动产转移登记（二手房）", "房产证", S, DEED),
    # 身份证, 医保, 结婚
    ("居民身份证申领", "补办身份证", C, ID_CARD_2),
    ("居民身份证申领", "身份证丢了", C, ID_CARD),
    ("异地就医备案", "医保异地备案", S, MEDICAL),
    ("异地就医备案", "异地看病报销", C, MEDICAL_2),
    ("结婚登记", "领结婚证", C, MARRIAGE),
    ("结婚登记", "结婚证", S, MARRIAGE_2),
]
